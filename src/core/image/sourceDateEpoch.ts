// SOURCE_DATE_EPOCH (reproducible-builds.org): when set, images made here carry that time instead
// of now, so the same inputs give the same image ID on any machine.

export function sourceDateEpoch(env: NodeJS.ProcessEnv = process.env): Date | undefined {
  const epoch = env.SOURCE_DATE_EPOCH;
  return epoch && /^\d+$/.test(epoch) ? new Date(Number(epoch) * 1000) : undefined;
}

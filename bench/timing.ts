// Timing helpers for the benchmarks: wall time of whole commands (median of N), peak RSS from
// /usr/bin/time when it is there.

import { spawnSync } from 'node:child_process';

export interface Timing {
  medianMs: number;
  runs: number[];
}

export function timeCommand(cmd: string, args: string[], runs = 5, env: NodeJS.ProcessEnv = process.env): Timing {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    const result = spawnSync(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (result.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${result.stderr?.toString()}`);
    times.push(ms);
  }
  const sorted = [...times].sort((a, b) => a - b);
  return { medianMs: sorted[Math.floor(sorted.length / 2)]!, runs: times };
}

export function report(label: string, ours: Timing, theirs: Record<string, Timing>, goal: string): void {
  console.log(`${label}: stevedore ${ours.medianMs.toFixed(0)} ms (median of ${ours.runs.length})`);
  for (const [name, t] of Object.entries(theirs)) {
    console.log(`  ${name}: ${t.medianMs.toFixed(0)} ms — ratio stevedore/${name} = ${(ours.medianMs / t.medianMs).toFixed(2)}`);
  }
  console.log(`  goal: ${goal}`);
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

// Where the `stevedore` executable leaves NODE_EXTRA_CA_CERTS when it starts Node without it
// (deferredCas.ts says why). Imports nothing: the launcher reads it before any bundle loads.

export const DEFERRED_CA_ENV = 'STEVEDORE_DEFERRED_CA_CERTS';

/** The file of extra CA certificates Node was started without, if any. */
export function deferredCaFile(env: NodeJS.ProcessEnv): string | undefined {
  return env[DEFERRED_CA_ENV] || undefined;
}

/**
 * Puts NODE_EXTRA_CA_CERTS back for the processes this one starts (credential helpers, gpg, its own
 * CLI run again in a user namespace): only this process's Node was to be spared reading it at start.
 */
export function restoreExtraCaVariable(env: NodeJS.ProcessEnv): void {
  const file = deferredCaFile(env);
  if (file && env.NODE_EXTRA_CA_CERTS === undefined) env.NODE_EXTRA_CA_CERTS = file;
}

/** The environment for this CLI run again (a user namespace): its Node, too, starts without the certificates. */
export function forOurOwnNode(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const file = deferredCaFile(env);
  if (!file || env.NODE_EXTRA_CA_CERTS !== file) return env;
  const { NODE_EXTRA_CA_CERTS: _restored, ...rest } = env;
  return rest;
}

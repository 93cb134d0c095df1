// Extra CA certificates that Node was not given at start. Node 20 reads the file NODE_EXTRA_CA_CERTS
// names before any script runs (on a machine whose variable names the system bundle, 144
// certificates: about 37 ms of every start, more than `stevedore images` spends on its own work),
// while Docker's and skopeo's Go clients read certificates only when they verify a TLS connection.
// So the `stevedore` executable (dist/cli.js, a sh/JS polyglot: scripts/build.mjs) starts Node
// without the variable and names the file in STEVEDORE_DEFERRED_CA_CERTS; the launcher puts
// NODE_EXTRA_CA_CERTS back for child processes. Each verified TLS connection the CLI makes then
// trusts Node's roots plus the file's certificates, as Node itself would have.

import { readFile } from 'node:fs/promises';

/**
 * The file's PEM text. A file that cannot be read is ignored with a warning, as Node ignores it
 * ("Ignoring extra certs from …, load failed"): connections then trust Node's roots alone.
 */
export async function readExtraCas(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    process.emitWarning(`Ignoring extra certs from \`${file}\`, load failed: ${(err as Error).message}`);
    return undefined;
  }
}

/** The CA list of a verified connection: Node's roots plus `extras` (PEM text); undefined leaves Node's defaults. */
export function rootsPlus(extras: readonly string[]): string[] | undefined {
  // node:tls is loaded here, when a list is made: the modules that import this one (import, build,
  // trust) should not load it at start for commands that never open a TLS connection.
  return extras.length === 0 ? undefined : [...process.getBuiltinModule('node:tls').rootCertificates, ...extras];
}

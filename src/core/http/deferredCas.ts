// Extra CA certificates that Node was not given at start. Node 20 reads the file NODE_EXTRA_CA_CERTS
// names before any script runs (on a machine whose variable names the system bundle, 144
// certificates: about 37 ms of every start, more than `stevedore images` spends on its own work),
// while Docker's and skopeo's Go clients read certificates only when they verify a TLS connection.
// So the `stevedore` executable (dist/cli.js, a sh/JS polyglot: scripts/build.mjs) starts Node
// without the variable and names the file in STEVEDORE_DEFERRED_CA_CERTS; the launcher puts
// NODE_EXTRA_CA_CERTS back for child processes. Each verified TLS connection the CLI makes then
// trusts Node's default store plus the file's certificates, as Node itself would have.

import { readFile } from 'node:fs/promises';
import type { SecureContext } from 'node:tls';

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

/**
 * A TLS context that trusts what Node trusts by default (its bundled roots, or the system's store
 * under --use-openssl-ca or a distribution's build) and `extraPems` besides, with an optional client
 * certificate. A `ca` list would replace Node's store instead (tls.rootCertificates is only the
 * bundled one); the context is made once and given to every connection that needs it, so the
 * certificates are parsed once, not per connection.
 */
export function trustingAlso(extraPems: readonly (string | Buffer)[], client?: { cert: Buffer; key: Buffer }): SecureContext {
  // node:tls is loaded here: the modules that import this one (import, build, trust) should not load
  // it at start for commands that never open a TLS connection.
  const context = process.getBuiltinModule('node:tls').createSecureContext(client ?? {});
  // addCACert adds to a copy of the default store, as Node itself adds NODE_EXTRA_CA_CERTS's.
  const store = (context as unknown as { context: { addCACert(pem: string | Buffer): void } }).context;
  for (const pem of extraPems) store.addCACert(pem);
  return context;
}

/** Connection options trusting the deferred CAs besides Node's (for undici's dispatchers); empty when nothing was deferred. */
export async function deferredTrust(file: string | undefined): Promise<{ secureContext?: SecureContext }> {
  return trustWith(file ? await readExtraCas(file) : undefined);
}

/** Connection options trusting `extras` (PEM text, read already) besides Node's store; empty without them. */
export function trustWith(extras: string | undefined): { secureContext?: SecureContext } {
  return extras ? { secureContext: trustingAlso([extras]) } : {};
}

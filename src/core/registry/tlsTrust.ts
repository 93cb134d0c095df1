// Per-registry TLS material, found where Docker looks for it: `certs.d/HOST[:PORT]/` folders
// (~/.docker/certs.d, /etc/docker/certs.d, /etc/containers/certs.d) holding CA certificates
// (`*.crt`) and client certificate pairs (`NAME.cert` + `NAME.key`). CAs found there are added to
// the system's, never replace them.

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface TlsMaterial {
  /** Extra CA certificates (PEM) trusted for this host, on top of the system ones. */
  extraCas: Buffer[];
  clientCert?: Buffer;
  clientKey?: Buffer;
  /** The files used, for messages. */
  files: string[];
}

/** Reads every certs.d folder for `hostPort`; missing folders are simply skipped. */
export async function loadTlsMaterial(hostPort: string, certsDirs: readonly string[]): Promise<TlsMaterial> {
  const material: TlsMaterial = { extraCas: [], files: [] };
  // Docker names the folder with ":" for the port; on Windows-made trees it may be "HOST_PORT" — not supported here.
  for (const base of certsDirs) {
    const dir = join(base, hostPort);
    let names: string[];
    try {
      names = (await readdir(dir)).sort();
    } catch {
      continue;
    }
    for (const name of names) {
      const path = join(dir, name);
      if (name.endsWith('.crt')) {
        material.extraCas.push(await readFile(path));
        material.files.push(path);
      } else if (name.endsWith('.cert') && !material.clientCert) {
        const keyPath = join(dir, `${name.slice(0, -'.cert'.length)}.key`);
        const key = await readFile(keyPath).catch(() => undefined);
        if (key) {
          material.clientCert = await readFile(path);
          material.clientKey = key;
          material.files.push(path, keyPath);
        }
      }
    }
  }
  return material;
}

/** The client certificate pair found for the host, if both halves were. */
export function clientPair(material: TlsMaterial): { cert: Buffer; key: Buffer } | undefined {
  return material.clientCert && material.clientKey ? { cert: material.clientCert, key: material.clientKey } : undefined;
}

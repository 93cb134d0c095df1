// Where the store lives and what it looks like on disk. The store is an OCI image layout v1.0.0
// (oci-layout, index.json, blobs/sha256/…) so that skopeo, umoci, crane and podman can read it;
// everything Stevedore needs beyond the layout sits in the `stevedore/` folder beside it.

import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export interface StoreLayout {
  root: string;
  ociLayoutFile: string;
  indexFile: string;
  blobsDir: string;
  /** Stevedore's own folder inside the layout: lock, ingest, leases, metadata, caches. */
  privateDir: string;
  ingestDir: string;
  leasesDir: string;
  metadataFile: string;
  cacheDir: string;
}

export function storeLayout(root: string): StoreLayout {
  const abs = resolve(root);
  const privateDir = join(abs, 'stevedore');
  return {
    root: abs,
    ociLayoutFile: join(abs, 'oci-layout'),
    indexFile: join(abs, 'index.json'),
    blobsDir: join(abs, 'blobs'),
    privateDir,
    ingestDir: join(privateDir, 'ingest'),
    leasesDir: join(privateDir, 'leases'),
    metadataFile: join(privateDir, 'metadata.json'),
    cacheDir: join(privateDir, 'cache'),
  };
}

/**
 * The store the CLI and the extension share by default: `--store` / the setting first, then
 * STEVEDORE_STORE, then $XDG_DATA_HOME/stevedore, then ~/.local/share/stevedore.
 */
export function defaultStorePath(env: NodeJS.ProcessEnv = process.env, explicit?: string): string {
  if (explicit) return resolve(explicit);
  if (env.STEVEDORE_STORE) return resolve(env.STEVEDORE_STORE);
  const dataHome = env.XDG_DATA_HOME && env.XDG_DATA_HOME.startsWith('/') ? env.XDG_DATA_HOME : join(homedir(), '.local', 'share');
  return join(dataHome, 'stevedore');
}

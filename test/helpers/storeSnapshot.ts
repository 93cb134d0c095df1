// What "the store is unchanged" means in tests: the same index.json and metadata bytes, the same
// blobs, the same containers, and nothing left in the ingest area or among the leases.

import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface StoreSnapshot {
  index: string;
  metadata: string;
  blobs: string[];
  ingest: string[];
  leases: string[];
  containers: string[];
}

export async function storeSnapshot(root: string): Promise<StoreSnapshot> {
  const hash = async (path: string): Promise<string> => {
    const bytes = await readFile(path).catch(() => null);
    return bytes ? createHash('sha256').update(bytes).digest('hex') : 'absent';
  };
  const list = async (dir: string): Promise<string[]> => (await readdir(dir).catch(() => [] as string[])).sort();
  return {
    index: await hash(join(root, 'index.json')),
    metadata: await hash(join(root, 'stevedore', 'metadata.json')),
    blobs: await list(join(root, 'blobs', 'sha256')),
    ingest: await list(join(root, 'stevedore', 'ingest')),
    leases: await list(join(root, 'stevedore', 'leases')),
    containers: await list(join(root, 'stevedore', 'containers')),
  };
}

// A large temporary file an operation reads back (an engine's export read in place), kept in the
// store's ingest folder rather than os.tmpdir(): on the store's disk, not in the memory of a tmpfs
// /tmp, and named `<pid>-…` as ingests are, so what a killed process leaves is reported by
// `system check` as a stale ingest and removed by --repair, like any ingest of a dead process.

import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomHex } from '../randomHex';
import type { ImageStore } from './imageStore';

export interface ScratchFile {
  path: string;
  remove(): Promise<void>;
}

/** A path for a new file in the store's ingest folder; `what` says what it holds (a file-name word). */
export async function scratchFile(store: Pick<ImageStore, 'layout'>, what: string): Promise<ScratchFile> {
  const dir = store.layout.ingestDir;
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${process.pid}-${what}-${randomHex(8)}`);
  return { path, remove: () => rm(path, { force: true }) };
}

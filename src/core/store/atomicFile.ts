// Replacing a file so that readers see either the old or the new content, never a mix, and a crash
// at any point leaves one of the two: write a temporary sibling, fsync it, rename it over the target,
// fsync the directory so that the rename itself survives a power cut.

import { randomHex } from '../randomHex';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Marker in the names of temporary siblings, so that `system check` can find ones a crash left. */
export const TEMP_MARKER = '.tmp-';

export function tempSiblingName(target: string): string {
  return join(dirname(target), `${basename(target)}${TEMP_MARKER}${process.pid}-${randomHex(6)}`);
}

export async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function writeFileAtomic(target: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const temp = tempSiblingName(target);
  try {
    const handle = await open(temp, 'wx', mode);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  await fsyncDirectory(dirname(target));
}

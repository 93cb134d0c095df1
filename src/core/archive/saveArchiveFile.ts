// Saves images to an archive file the way the Docker CLI does: written beside the target under a
// temporary name and renamed into place only when complete, so that a failed or cancelled save
// never leaves a partial archive under the name asked for.

import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { finished } from 'node:stream/promises';
import { saveArchive } from './saveArchive';
import type { SaveTarget } from './saveSelection';
import { copyToWritable } from './tarWriter';

export interface SaveFileProgress {
  /** Archive bytes written so far. */
  written: number;
  /** About how many bytes the archive will have (blobs as stored, before tar headers). */
  estimatedTotal: number;
}

export interface SaveFileOptions {
  /** Write gzip layers as plain tars (see saveArchive). */
  uncompressed?: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: SaveFileProgress) => void;
}

export interface SaveFileResult {
  path: string;
  bytes: number;
}

export async function saveArchiveToFile(store: Parameters<typeof saveArchive>[0], targets: readonly SaveTarget[], path: string, options: SaveFileOptions = {}): Promise<SaveFileResult> {
  const estimatedTotal = estimateArchiveBytes(targets);
  const temp = join(dirname(path), `.${basename(path)}.stevedore-${randomBytes(6).toString('hex')}`);
  const file = createWriteStream(temp, { flags: 'wx' });
  let written = 0;
  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const chunk of saveArchive(store, targets, { uncompressed: options.uncompressed ?? false, ...(options.signal ? { signal: options.signal } : {}) })) {
      written += chunk.length;
      options.onProgress?.({ written, estimatedTotal });
      yield chunk;
    }
  }
  try {
    await copyToWritable(counted(), file, options.signal);
    file.end();
    await finished(file);
    await rename(temp, path);
  } catch (err) {
    file.destroy();
    await rm(temp, { force: true });
    throw err;
  }
  return { path, bytes: written };
}

/** Blobs of each image counted once per image; layers shared by several images are counted twice. */
export function estimateArchiveBytes(targets: readonly SaveTarget[]): number {
  const seen = new Set<string>();
  let total = 0;
  for (const { record } of targets) {
    if (seen.has(record.manifestDigest)) continue;
    seen.add(record.manifestDigest);
    total += record.summary.size;
  }
  return total;
}

// Saves images to an archive file (outputFile.ts: complete or not there at all).

import { writeOutputFile } from './outputFile';
import { saveArchive } from './saveArchive';
import type { SaveTarget } from './saveSelection';

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
  let written = 0;
  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const chunk of saveArchive(store, targets, { uncompressed: options.uncompressed ?? false, ...(options.signal ? { signal: options.signal } : {}) })) {
      written += chunk.length;
      options.onProgress?.({ written, estimatedTotal });
      yield chunk;
    }
  }
  await writeOutputFile(counted(), path, store.root, options.signal);
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

// Saves images to an archive file (outputFile.ts: complete or not there at all).

import { writeOutputFile } from './outputFile';
import { saveArchive } from './saveArchive';
import type { SaveTarget } from './saveSelection';
import type { TransferListener } from '../transfer/transferEvent';

export interface SaveFileOptions {
  /** Write gzip layers as plain tars (see saveArchive). */
  uncompressed?: boolean;
  signal?: AbortSignal;
  /**
   * Progress as TransferEvents: start, the archive's `bytes` as written (its total an estimate:
   * blobs as stored, before tar headers), end once the file is complete.
   */
  onEvent?: TransferListener;
}

export interface SaveFileResult {
  path: string;
  bytes: number;
}

export async function saveArchiveToFile(store: Parameters<typeof saveArchive>[0], targets: readonly SaveTarget[], path: string, options: SaveFileOptions = {}): Promise<SaveFileResult> {
  const estimatedTotal = estimateArchiveBytes(targets);
  const emit = options.onEvent;
  emit?.({ kind: 'start', operation: 'save', reference: path });
  let written = 0;
  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const chunk of saveArchive(store, targets, { uncompressed: options.uncompressed ?? false, ...(options.signal ? { signal: options.signal } : {}) })) {
      written += chunk.length;
      emit?.({ kind: 'bytes', current: written, total: estimatedTotal });
      yield chunk;
    }
  }
  await writeOutputFile(counted(), path, store.root, options.signal);
  emit?.({ kind: 'end', operation: 'save', reference: path });
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

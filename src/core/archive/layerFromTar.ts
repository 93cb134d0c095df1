// Turns a tar stream (a root filesystem, or a folder's contents) into a stored layer in one pass:
// the plain bytes are hashed for the diffID, parsed as tar to prove they are one (and to refuse
// hostile names), and gzip-compressed into a blob ingest whose digest is the layer digest — or, with
// `compress: false`, stored as they are (diffID and digest are then the same), as Docker and podman
// keep the layers they build; a push compresses them on the way (pushImage.ts).

import type { Writable } from 'node:stream';
import { createGzip } from 'node:zlib';
import * as tar from 'tar-stream';
import { DigestCounter } from '../digest';
import { StevedoreError, throwIfAborted } from '../errors';
import { explainSystemError } from '../systemErrors';
import { MediaType } from '../image/mediaTypes';
import type { Descriptor } from '../image/types';
import type { BlobStore } from '../store/blobStore';
import type { Lease } from '../store/leases';
import { checkEntryName } from './entryNames';

export interface StoredLayer {
  descriptor: Descriptor;
  diffId: string;
  uncompressedSize: number;
  entries: number;
  /** Docker's size of the layer: its tar headers' sizes summed (layerContentSize.ts). */
  contentSize: number;
}

export interface LayerOptions {
  signal?: AbortSignal;
  /** Bytes of plain tar read so far. */
  onProgress?: (bytes: number) => void;
  /** Describes the source in error messages ("busybox.tar"). */
  what: string;
  /** Default true: gzip the layer. */
  compress?: boolean;
}

export async function storeTarAsLayer(blobs: BlobStore, lease: Lease, plainTar: AsyncIterable<Uint8Array>, options: LayerOptions): Promise<StoredLayer> {
  const compress = options.compress ?? true;
  const diff = new DigestCounter();
  const gzip = createGzip();
  const ingest = await blobs.ingest({}, lease);
  const extract = tar.extract();
  let entries = 0;
  let contentSize = 0;
  let failure: unknown;
  const fail = (err: unknown): void => {
    failure ??= err;
  };

  extract.on('entry', (header, stream, next) => {
    entries++;
    contentSize += header.size ?? 0;
    // The entry stream errors too when the tar ends mid-entry or is destroyed; `fail` keeps the first cause.
    stream.on('error', fail);
    try {
      checkEntryName(header.name, options.what);
    } catch (err) {
      fail(err);
      extract.destroy(err as Error);
      return;
    }
    stream.on('end', () => next());
    stream.resume();
  });
  const parsed = new Promise<void>((resolve, reject) => {
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  parsed.catch(fail);
  const compressed = compress
    ? (async () => {
        for await (const chunk of gzip) await ingest.write(chunk as Buffer);
      })()
    : Promise.resolve();
  compressed.catch(fail);

  try {
    for await (const chunk of plainTar) {
      throwIfAborted(options.signal);
      if (failure) break;
      await write(extract, chunk);
      if (compress) {
        diff.update(chunk);
        await write(gzip, chunk);
      } else {
        // The ingest hashes these very bytes: its digest is the diffID.
        await ingest.write(chunk);
      }
      options.onProgress?.(compress ? diff.bytes : ingest.bytes);
    }
    throwIfAborted(options.signal);
    if (!failure) {
      (extract as unknown as Writable).end();
      if (compress) gzip.end();
      await Promise.all([parsed, compressed]).catch(fail);
    }
    if (failure) throw asArchiveError(failure, options.what);
    if (entries === 0) {
      throw new StevedoreError('INVALID_ARCHIVE', `${options.what} is empty or not a tar archive. Give a root filesystem as a .tar or .tar.gz file.`);
    }
    const committed = await ingest.commit();
    return {
      descriptor: { mediaType: compress ? MediaType.ociLayerGzip : MediaType.ociLayer, digest: committed.digest, size: committed.size },
      diffId: compress ? diff.digest() : committed.digest,
      uncompressedSize: compress ? diff.bytes : committed.size,
      entries,
      contentSize,
    };
  } catch (err) {
    throw asArchiveError(failure ?? err, options.what);
  } finally {
    extract.destroy();
    gzip.destroy();
    await ingest.abort();
  }
}

async function write(stream: Writable | tar.Extract, chunk: Uint8Array): Promise<void> {
  const target = stream as Writable;
  if (target.write(chunk)) return;
  // Listeners are removed again: events.once() left behind would pile up over a large layer.
  await new Promise<void>((resolve) => {
    const done = (): void => {
      target.off('drain', done);
      target.off('close', done);
      resolve();
    };
    target.on('drain', done);
    target.on('close', done);
  });
}

function asArchiveError(err: unknown, what: string): unknown {
  if (err instanceof StevedoreError || (err instanceof Error && err.name === 'CancelledError')) return err;
  // Writing failed (a full disk, a read-only store): that is no fault of the archive.
  const system = explainSystemError(err);
  if (system) return system;
  const message = err instanceof Error ? err.message : String(err);
  return new StevedoreError('INVALID_ARCHIVE', `${what} is not a valid tar archive (${message}). The file may be truncated, corrupt, or of another format.`, { cause: err });
}

// Verification on demand: every digest an image is identified by, recomputed from the bytes in the
// store and compared with what names them — the manifest's digest (the repo digest), the config's
// (the image ID), each layer's compressed digest (the "distribution hash" in the manifest) and each
// layer's uncompressed digest (the diffID in the config). One pass per layer computes both layer
// digests; progress is reported as data and the work stops at the next piece when cancelled.

import { decompressed } from '../archive/decompress';
import { DigestCounter, tryParseDigest } from '../digest';
import { isCancelled, StevedoreError, throwIfAborted } from '../errors';
import type { Image, Layer } from '../image/image';
import type { Descriptor } from '../image/types';
import type { TransferListener } from '../transfer/transferEvent';

export type CheckSubject = 'manifest' | 'config' | 'layer' | 'diffId';

/**
 * `match`: the content hashes to the expected digest. `mismatch`: it does not (or the size is
 * wrong). `missing`: the blob is not in the store. `unreadable`: the layer could not be
 * decompressed, so its diffID could not be computed. `unsupported`: a compression Stevedore cannot
 * read yet (bzip2, xz).
 */
export type CheckStatus = 'match' | 'mismatch' | 'missing' | 'unreadable' | 'unsupported';

export interface DigestCheck {
  subject: CheckSubject;
  /** The layer index, for `layer` and `diffId` checks. */
  layer?: number;
  /** The digest the manifest (or the config, for diffIDs) gives; null when it gives none. */
  expected: string | null;
  /** The digest of the bytes in the store; null when they could not be read. */
  actual: string | null;
  /** For blobs: the size the descriptor gives, and the bytes found. For diffIDs: the uncompressed bytes. */
  expectedSize?: number;
  actualSize?: number;
  status: CheckStatus;
  /** Set when the status is not `match`: what is wrong and what to do. */
  message?: string;
}

export interface VerifyResult {
  ok: boolean;
  checks: DigestCheck[];
  /** Bytes read from the store. */
  bytesRead: number;
}

export interface VerifyOptions {
  signal?: AbortSignal;
  /**
   * Progress as TransferEvents: start; each blob read in turn, the manifest, the config, then the
   * layers, named by its digest (`transferring` as it is read, `done` once hashed), each step
   * followed by the `bytes` of all blobs read so far; end.
   */
  onEvent?: TransferListener;
}

const READ_PIECE = 1024 * 1024;

export async function verifyImage(image: Image, options: VerifyOptions = {}): Promise<VerifyResult> {
  const { manifest, manifestDescriptor, config } = image;
  const layers = manifest.layers;
  const diffIds = config.rootfs?.diff_ids ?? [];
  const allBytes = manifestDescriptor.size + manifest.config.size + layers.reduce((sum, l) => sum + l.size, 0);
  let doneBytes = 0;
  const checks: DigestCheck[] = [];
  const emit = options.onEvent;
  const reference = manifestDescriptor.digest;
  const progress = (descriptor: Descriptor, bytes: number): void => {
    if (!emit) return;
    emit({ kind: 'layer', id: descriptor.digest, state: 'transferring', current: bytes, total: descriptor.size });
    emit({ kind: 'bytes', current: doneBytes + bytes, total: allBytes });
  };
  const finished = (descriptor: Descriptor, bytes: number): void => emit?.({ kind: 'layer', id: descriptor.digest, state: 'done', current: bytes, total: descriptor.size });
  emit?.({ kind: 'start', operation: 'verify', reference });

  for (const [subject, descriptor, read] of [
    ['manifest', manifestDescriptor, () => image.rawManifest()],
    ['config', manifest.config, () => image.rawConfig()],
  ] as const) {
    throwIfAborted(options.signal);
    const result = await hashDocument(descriptor, read, (bytes) => progress(descriptor, bytes));
    doneBytes += result.bytes;
    finished(descriptor, result.bytes);
    checks.push(blobCheck(subject, undefined, descriptor, result));
  }

  for (const layer of image.layers) {
    const { index, descriptor } = layer;
    throwIfAborted(options.signal);
    const result = await hashLayer(layer, options.signal, (bytes) => progress(descriptor, bytes));
    doneBytes += result.bytes;
    finished(descriptor, result.bytes);
    checks.push(blobCheck('layer', index, descriptor, result));
    checks.push(diffIdCheck(index, diffIds[index] ?? null, result));
  }
  // A config listing more diffIDs than the manifest has layers describes another image.
  for (let index = layers.length; index < diffIds.length; index++) {
    checks.push({
      subject: 'diffId',
      layer: index,
      expected: diffIds[index]!,
      actual: null,
      status: 'mismatch',
      message: `The config lists diffID ${diffIds[index]} for a layer ${index} that the manifest does not have: the manifest and config do not belong together.`,
    });
  }
  emit?.({ kind: 'end', operation: 'verify', reference });
  return { ok: checks.every((c) => c.status === 'match'), checks, bytesRead: doneBytes };
}

interface BlobHash {
  /** Null when the blob is missing. */
  digest: string | null;
  bytes: number;
  /** For layers: the digest and size of the uncompressed content, or why it could not be computed. */
  diffId?: string;
  uncompressedBytes?: number;
  diffProblem?: { status: 'unreadable' | 'unsupported'; message: string };
}

/** Manifest and config are small: read whole (a missing one is reported, not thrown) and hashed. */
async function hashDocument(descriptor: Descriptor, read: () => Promise<Buffer>, onBytes: (bytes: number) => void): Promise<BlobHash> {
  const bytes = await read().catch((err: unknown) => {
    if (err instanceof StevedoreError && err.code === 'BLOB_NOT_FOUND') return null;
    throw err;
  });
  if (bytes === null) return { digest: null, bytes: 0 };
  const counter = new DigestCounter(algorithmOf(descriptor.digest));
  counter.update(bytes);
  onBytes(counter.bytes);
  return { digest: counter.digest(), bytes: counter.bytes };
}

/** Hashes a layer as stored and as uncompressed, in one read when the layer decompresses cleanly. */
async function hashLayer(layer: Layer, signal: AbortSignal | undefined, onBytes: (bytes: number) => void): Promise<BlobHash> {
  const { descriptor, index } = layer;
  const compressed = new DigestCounter(algorithmOf(descriptor.digest));
  const plain = new DigestCounter();
  let missing = false;
  async function* read(): AsyncGenerator<Uint8Array> {
    try {
      for await (const chunk of layer.compressed(signal ? { signal } : {})) {
        throwIfAborted(signal);
        compressed.update(chunk);
        onBytes(compressed.bytes);
        yield chunk;
      }
    } catch (err) {
      if (err instanceof StevedoreError && err.code === 'BLOB_NOT_FOUND' && compressed.bytes === 0) {
        missing = true;
        return;
      }
      throw err;
    }
  }
  let diffProblem: BlobHash['diffProblem'];
  try {
    for await (const chunk of decompressed(read(), `Layer ${index} (${descriptor.digest})`, { chunkSize: READ_PIECE })) {
      throwIfAborted(signal);
      plain.update(chunk);
    }
  } catch (err) {
    if (isCancelled(err)) throw err;
    if (!(err instanceof StevedoreError)) throw err;
    diffProblem = { status: err.code === 'UNSUPPORTED' ? 'unsupported' : 'unreadable', message: err.message };
  }
  if (missing) return { digest: null, bytes: 0 };
  if (diffProblem) {
    // Decompression stopped early, but the whole blob counts for its own digest: read it again.
    const whole = new DigestCounter(algorithmOf(descriptor.digest));
    for await (const chunk of layer.compressed(signal ? { signal } : {})) {
      throwIfAborted(signal);
      whole.update(chunk);
      onBytes(whole.bytes);
    }
    return { digest: whole.digest(), bytes: whole.bytes, diffProblem };
  }
  return { digest: compressed.digest(), bytes: compressed.bytes, diffId: plain.digest(), uncompressedBytes: plain.bytes };
}

function blobCheck(subject: CheckSubject, layer: number | undefined, descriptor: Descriptor, result: BlobHash): DigestCheck {
  const name = subject === 'layer' ? `Layer ${layer}` : subject === 'manifest' ? 'The manifest' : 'The config';
  const base: DigestCheck = {
    subject,
    ...(layer === undefined ? {} : { layer }),
    expected: descriptor.digest,
    actual: result.digest,
    expectedSize: descriptor.size,
    actualSize: result.bytes,
    status: 'match',
  };
  if (result.digest === null) {
    return { ...base, status: 'missing', message: `${name} (${descriptor.digest}) is missing from the image store. Pull or load the image again.` };
  }
  if (result.digest !== descriptor.digest || result.bytes !== descriptor.size) {
    const found = result.digest !== descriptor.digest ? `hashes to ${result.digest}` : `is ${result.bytes} bytes, not ${descriptor.size}`;
    return {
      ...base,
      status: 'mismatch',
      message: `${name} should be ${descriptor.digest} but its content in the store ${found}: the blob is corrupt. Run "stevedore system check --repair", then pull or load the image again.`,
    };
  }
  return base;
}

function diffIdCheck(layer: number, expected: string | null, result: BlobHash): DigestCheck {
  const base: DigestCheck = { subject: 'diffId', layer, expected, actual: result.diffId ?? null, status: 'match' };
  if (result.uncompressedBytes !== undefined) base.actualSize = result.uncompressedBytes;
  if (result.digest === null) return { ...base, status: 'missing', message: `Layer ${layer} is missing, so its diffID cannot be checked.` };
  if (result.diffProblem) return { ...base, status: result.diffProblem.status, message: result.diffProblem.message };
  if (expected === null) {
    return { ...base, status: 'mismatch', message: `The config lists no diffID for layer ${layer}: the manifest and config do not belong together.` };
  }
  if (result.diffId !== expected) {
    return {
      ...base,
      status: 'mismatch',
      message: `Layer ${layer} uncompresses to ${result.diffId}, but the config lists diffID ${expected}: the image was assembled wrongly or altered. Rebuild it, or pull it again from a source you trust.`,
    };
  }
  return base;
}

function algorithmOf(digest: string): 'sha256' | 'sha512' {
  return tryParseDigest(digest)?.algorithm ?? 'sha256';
}

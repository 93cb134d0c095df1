// The one copy: any image source to any image target (imageSource.ts), with progress as
// TransferEvents, verification while streaming, cancellation through the signal, and nothing moved
// that the target already has. How the bytes go depends on the pair:
//   - both sides speak archives (the store's save or load, an engine's export or load, a whole
//     archive file): one archive stream from one to the other, as `docker save | docker load`
//     would, which is the fast path between the store and the engines;
//   - otherwise image by image: the source hands out an `Image` and the target writes it layer by
//     layer (a registry pushes, the store ingests, an engine loads a stream written from it).
// Registry → store and store → registry are the pull and the push (copyStrategies.ts).
// What the target has is asked first (same image ID, or for a registry the same image under the
// name); it is then only named, and no layer moves.

import { watchArchiveLayers } from '../archive/archiveLayerProgress';
import type { Image, Layer } from '../image/image';
import type { Platform } from '../image/types';
import type { TransferListener, TransferOperation } from '../transfer/transferEvent';
import type { LoadResult } from '../archive/loadArchive';
import type { PullResult } from '../registry/pullImage';
import type { PushResult } from '../registry/pushImage';
import { pairStrategy } from './copyStrategies';
import type { ArchiveExport, GetOptions, ImageSource, ImageTarget, PutResult } from './imageSource';

export interface CopyOptions {
  signal?: AbortSignal;
  /** The platform to take from a multi-platform source. */
  platform?: Platform;
  onEvent?: TransferListener;
  /** What the start and end events call the transfer (default "copy"). */
  operation?: TransferOperation;
  /** How start and end events name the image (default: the source's reference). */
  reference?: string;
  /**
   * To a registry: ask about every blob and put the manifest even when the registry has the image
   * (docker push's way and lines), so the result always carries the manifest digest.
   */
  askEachLayer?: boolean;
}

export interface CopyResult {
  /** The image ID (config digest). */
  id: string;
  /** The target had the image already; at most a name was added. */
  alreadyPresent: boolean;
  /** Bytes that went from the source to the target (0 when nothing had to move). */
  bytes: number;
  /** The names the image has at the target, as that side shows them. */
  names: string[];
  /** The manifest digest at the target, when it has one (a registry). */
  digest?: string;
  /**
   * Image by image: the digest the source resolved its name to (what signatures cover) and the
   * manifest that was written, so a caller can keep the signatures accepted for the one with the other.
   */
  copied?: { resolvedDigest: string; manifestDigest: string };
  /** The pull's own result, when the copy was one (registry → store). */
  pulled?: PullResult;
  /** The push's own result, when the copy was one (store → registry). */
  pushed?: PushResult;
  /** The store's load of an archive stream (every image it held), when the copy was one. */
  loaded?: LoadResult;
}

export async function copy(source: ImageSource, sourceRef: string | undefined, target: ImageTarget, targetRefs: readonly string[], options: CopyOptions = {}): Promise<CopyResult> {
  // A pair with a way of its own (a pull, a push) reports its own start and end.
  const paired = await pairStrategy(source, sourceRef, target, targetRefs, options);
  if (paired) return paired;
  // A target that reports an archive stream's progress itself (the store's load) reports its start and end too.
  const reports = target.reportsArchiveProgress === true && source.exportArchive !== undefined && target.importArchive !== undefined;
  const emit = reports ? undefined : options.onEvent;
  const operation = options.operation ?? 'copy';
  const reference = options.reference ?? sourceRef ?? source.describe();
  emit?.({ kind: 'start', operation, reference });
  const counter = { bytes: 0 };
  const archived = await viaArchive(source, sourceRef, target, targetRefs, counter, options);
  if (archived && reports) return archived;
  if (!archived && reports) options.onEvent?.({ kind: 'start', operation, reference });
  const result = archived ?? (await viaImage(source, sourceRef, target, targetRefs, counter, options));
  options.onEvent?.({ kind: 'end', operation, reference, ...(result.id ? { id: result.id } : {}), ...(result.digest ? { digest: result.digest } : {}), upToDate: result.alreadyPresent });
  return result;
}

/** The archive stream from one side to the other, when both speak it; undefined otherwise. */
async function viaArchive(source: ImageSource, sourceRef: string | undefined, target: ImageTarget, refs: readonly string[], counter: { bytes: number }, options: CopyOptions): Promise<CopyResult | undefined> {
  if (!source.exportArchive || !target.importArchive) return undefined;
  const { signal } = options;
  const exported = await source.exportArchive(sourceRef, signal);
  if (!exported) return undefined;
  if (exported.id && target.hasId && (await target.hasId(exported.id, signal))) {
    const names = refs.length ? await target.tag(exported.id, refs, signal) : [];
    return { id: exported.id, alreadyPresent: true, bytes: 0, names };
  }
  // The target that reads each entry itself reports the layers; for the others they are read off the stream as it passes.
  const layers = target.reportsArchiveProgress ? undefined : options.onEvent;
  const watched: ArchiveExport = { ...exported, stream: (names, reading) => watchedArchive(exported.stream(names, reading), counter, layers) };
  const put = await target.importArchive(watched, refs, { ...(signal ? { signal } : {}), ...(options.onEvent ? { onEvent: options.onEvent } : {}) });
  return put ? done(put, counter) : undefined;
}

async function viaImage(source: ImageSource, sourceRef: string | undefined, target: ImageTarget, targetRefs: readonly string[], counter: { bytes: number }, options: CopyOptions): Promise<CopyResult> {
  const { signal } = options;
  const opened = await source.get(sourceRef, getOptions(target, options));
  try {
    const refs = targetRefs.length ? targetRefs : opened.names;
    const id = opened.image.manifest.config.digest;
    const copied = opened.resolvedDigest ? { copied: { resolvedDigest: opened.resolvedDigest, manifestDigest: opened.image.manifestDescriptor.digest } } : {};
    if (!options.askEachLayer && (await target.has(opened.image, refs, signal))) {
      return { id, alreadyPresent: true, bytes: 0, names: refs.length ? await target.tag(id, refs, signal) : [], ...copied };
    }
    const put = await target.put(reporting(opened.image, counter, options.onEvent), refs, {
      ...(signal ? { signal } : {}),
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
      ...(opened.repoDigest ? { repoDigests: [opened.repoDigest] } : {}),
    });
    return { ...done(put, counter), ...copied };
  } finally {
    await opened.close();
  }
}

/** How a copy to `target` asks the source for an image: cancellable, the platform, and what for (its messages). */
export function getOptions(target: ImageTarget, options: CopyOptions): GetOptions {
  return {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.platform ? { platform: options.platform } : {}),
    purpose: options.operation === 'save' ? 'saved' : `copied to ${target.describe()}`,
  };
}

function done(put: PutResult, counter: { bytes: number }): CopyResult {
  return { id: put.id, alreadyPresent: false, bytes: counter.bytes, names: put.names, ...(put.digest ? { digest: put.digest } : {}), ...(put.loaded ? { loaded: put.loaded } : {}) };
}

/**
 * The image with each layer read reporting its bytes (`transferring`, then `done`) and counting
 * them into `counter`, and into `total` when several images move at once (copyImages.ts).
 */
export function reporting(image: Image, counter: { bytes: number }, emit: TransferListener | undefined, total?: { bytes: number }): Image {
  const layers = image.layers.map((layer): Layer => ({
    ...layer,
    compressed: (options = {}) => counted(layer.compressed(options), layer, counter, emit, total),
  }));
  return { ...image, layers };
}

async function* counted(source: AsyncIterable<Uint8Array>, layer: Layer, counter: { bytes: number }, emit: TransferListener | undefined, total: { bytes: number } | undefined): AsyncGenerator<Uint8Array> {
  const { digest, size } = layer.descriptor;
  let current = 0;
  emit?.({ kind: 'layer', id: digest, state: 'transferring', current, total: size });
  for await (const chunk of source) {
    current += chunk.length;
    counter.bytes += chunk.length;
    if (total) total.bytes += chunk.length;
    emit?.({ kind: 'layer', id: digest, state: 'transferring', current, total: size });
    emit?.({ kind: 'bytes', current: (total ?? counter).bytes, total: 0 });
    yield chunk;
  }
  emit?.({ kind: 'layer', id: digest, state: 'done', current, total: size });
}

async function* watchedArchive(stream: AsyncIterable<Uint8Array>, counter: { bytes: number }, emit: TransferListener | undefined): AsyncGenerator<Uint8Array> {
  const layers = emit ? watchArchiveLayers(stream, emit) : stream;
  for await (const chunk of layers) {
    counter.bytes += chunk.length;
    emit?.({ kind: 'bytes', current: counter.bytes, total: 0 });
    yield chunk;
  }
}

// The pairs whose copy has a way of its own, faster or richer than reading an `Image` and writing
// it: registry → store is the pull (resolve → verify → fetch → commit: layers read off the socket
// into the store's ingest, Docker Hub's mirrors, the repo digest and "Image is up to date"), and
// store → registry is the push (cross-repository mounts, the compressed digests remembered for
// layers kept uncompressed). Each reports its own TransferEvents, start and end included, and
// keeps its own result beside copy's, for commands that print Docker's lines from it.

import { parseReference, formatReference } from '../reference/reference';
import { pullEach } from '../registry/pullAllTags';
import { pullImage, type PullResult } from '../registry/pullImage';
import { pushImage } from '../registry/pushImage';
import { findImage } from '../store/imageStore';
import type { CopyOptions, CopyResult } from './copy';
import type { CopyItem } from './copyImages';
import type { ImageSource, ImageTarget } from './imageSource';
import { RegistrySource } from './registrySource';
import { familiar } from './sourceNames';
import { StoreSource } from './storeSource';

/** What a pair's own way needs of the copy's options, and what it returns: the copy's own result. */
export type StrategyOptions = Pick<CopyOptions, 'signal' | 'platform' | 'onEvent' | 'askEachLayer'>;
export type StrategyResult = Omit<CopyResult, 'loaded'>;

export async function pairStrategy(source: ImageSource, sourceRef: string | undefined, target: ImageTarget, refs: readonly string[], options: StrategyOptions): Promise<StrategyResult | undefined> {
  if (source instanceof RegistrySource && target instanceof StoreSource && sourceRef !== undefined) {
    // A pull records the image under the name it was pulled by; another name is a plain copy.
    const full = formatReference(parseReference(sourceRef));
    if (refs.some((r) => r !== full)) return undefined;
    const pulled = await pullImage(target.store, source.clients, {
      reference: sourceRef,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.platform ? { platform: options.platform } : {}),
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
      ...(source.options.verify ? { verify: source.options.verify } : {}),
      ...(source.options.concurrency !== undefined ? { concurrency: source.options.concurrency } : {}),
    });
    return pullResult(pulled);
  }
  if (source instanceof StoreSource && target instanceof RegistrySource && sourceRef !== undefined && refs.length === 1) {
    const full = formatReference(parseReference(refs[0]!));
    const records = await source.store.list();
    // Pushing a name as itself keeps push's own lookup, and Docker's message for a missing tag.
    const record = records.find((r) => r.refs.includes(full) && sameName(sourceRef, full)) ?? (sameName(sourceRef, full) ? undefined : findImage(records, sourceRef));
    if (record && !options.askEachLayer) {
      const image = await source.store.load(record);
      if (await target.has(image, [full], options.signal)) return { id: record.id, alreadyPresent: true, bytes: 0, names: [familiar(full)] };
    }
    let bytes = 0;
    const pushed = await pushImage(source.store, target.clients, {
      reference: full,
      ...(record ? { record } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      onEvent: (event) => {
        if (event.kind === 'layer' && event.state === 'done') bytes += event.current;
        options.onEvent?.(event);
      },
      ...(target.options.concurrency !== undefined ? { concurrency: target.options.concurrency } : {}),
    });
    const id = record?.id ?? (await source.store.find(full)).id;
    return { id, alreadyPresent: false, bytes, names: [familiar(pushed.reference)], digest: pushed.digest, pushed };
  }
  return undefined;
}

/**
 * Several images from one source to one target, where the pair has a way of its own: registry →
 * store under the names pulled is `pull -a`'s (every image resolved and verified before any is fetched).
 */
export async function pairStrategyAll(source: ImageSource, items: readonly CopyItem[], target: ImageTarget, options: StrategyOptions): Promise<StrategyResult[] | undefined> {
  if (!(source instanceof RegistrySource && target instanceof StoreSource)) return undefined;
  const references: string[] = [];
  for (const { ref, refs } of items) {
    if (ref === undefined) return undefined;
    const full = formatReference(parseReference(ref));
    if (refs.some((r) => r !== full)) return undefined;
    references.push(ref);
  }
  const pulled = await pullEach(target.store, source.clients, references, {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.platform ? { platform: options.platform } : {}),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    ...(source.options.verify ? { verify: source.options.verify } : {}),
    ...(source.options.concurrency !== undefined ? { concurrency: source.options.concurrency } : {}),
  });
  return pulled.map(pullResult);
}

function pullResult(pulled: PullResult): StrategyResult {
  return { id: pulled.record.id, alreadyPresent: pulled.upToDate, bytes: pulled.downloadedBytes, names: [familiar(pulled.reference)], digest: pulled.digest, pulled };
}

function sameName(a: string, full: string): boolean {
  try {
    return formatReference(parseReference(a)) === full;
  } catch {
    return false; // an image ID
  }
}

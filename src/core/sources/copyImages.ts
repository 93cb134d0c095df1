// Several images from one source into one target: `save IMAGE…` (the store → one archive file or
// standard output), `pull -a` (every tag of a repository → the store). They get what one copy gets
// (copy.ts): digests verified while streaming, cancellation, progress as TransferEvents, and
// nothing moved that the target has. How depends on the pair and the target:
//   - a pair with a way of its own for several (registry → store is the pull: every image resolved
//     and verified before any is fetched; copyStrategies.ts);
//   - a target that writes several images in one go (`putAll`: an archive is one file, an engine
//     one load): every image is opened first (resolved, verified, leased), those the target has are
//     only named, and the rest go in together, each layer reported as it is read;
//   - otherwise one copy after the other.

import { StevedoreError } from '../errors';
import { copy, getOptions, reporting, type CopyOptions, type CopyResult } from './copy';
import { pairStrategyAll } from './copyStrategies';
import type { ImageSource, ImageTarget, OpenedImage, PutItem } from './imageSource';

export interface CopyItem {
  /** The image as the source names it (undefined: the one image of an archive). */
  ref: string | undefined;
  /** Its names at the target (full references); empty: the names it comes with. */
  refs: readonly string[];
}

/** One result per item, in order. */
export async function copyImages(source: ImageSource, items: readonly CopyItem[], target: ImageTarget, options: CopyOptions = {}): Promise<CopyResult[]> {
  if (items.length === 0) throw new StevedoreError('INVALID_ARGUMENT', 'Nothing to copy: name at least one image.');
  const paired = await pairStrategyAll(source, items, target, options);
  if (paired) return paired;
  if (!target.putAll) {
    const results: CopyResult[] = [];
    for (const item of items) results.push(await copy(source, item.ref, target, item.refs, options));
    return results;
  }
  return putTogether(source, items, target, options);
}

async function putTogether(source: ImageSource, items: readonly CopyItem[], target: ImageTarget, options: CopyOptions): Promise<CopyResult[]> {
  const { signal, onEvent } = options;
  const operation = options.operation ?? 'copy';
  const reference = options.reference ?? items.map((i) => i.ref ?? source.describe()).join(', ');
  const opened: OpenedImage[] = [];
  try {
    // All opened before anything is written: an image that is missing or refused changes nothing.
    for (const item of items) opened.push(await source.get(item.ref, getOptions(target, options)));
    onEvent?.({ kind: 'start', operation, reference });
    const results: CopyResult[] = [];
    const puts: { index: number; counter: { bytes: number }; item: PutItem }[] = [];
    const total = { bytes: 0 };
    for (const [index, { image, names, corrupt }] of opened.entries()) {
      const refs = items[index]!.refs.length ? items[index]!.refs : names;
      const id = image.manifest.config.digest;
      if (await target.has(image, refs, signal)) {
        results[index] = { id, alreadyPresent: true, bytes: 0, names: refs.length ? await target.tag(id, refs, signal) : [] };
        continue;
      }
      const counter = { bytes: 0 };
      const label = refs[0] ?? names[0] ?? id;
      puts.push({ index, counter, item: { image: reporting(image, counter, onEvent, total), refs, label, ...(corrupt ? { corrupt } : {}) } });
    }
    if (puts.length > 0) {
      const put = await target.putAll!(
        puts.map((p) => p.item),
        { ...(signal ? { signal } : {}), ...(onEvent ? { onEvent } : {}) },
      );
      for (const [j, { index, counter }] of puts.entries()) {
        const r = put[j]!;
        results[index] = { id: r.id, alreadyPresent: false, bytes: counter.bytes, names: r.names, ...(r.digest ? { digest: r.digest } : {}) };
      }
    }
    onEvent?.({ kind: 'end', operation, reference, upToDate: puts.length === 0 });
    return results;
  } finally {
    for (const o of opened) await o.close();
  }
}

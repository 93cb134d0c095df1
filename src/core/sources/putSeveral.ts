// What the targets that write several images in one go (an archive file or stream, an engine's
// load) share: one image is put as a list of one, and an archive says what it holds the same way.

import type { Image } from '../image/image';
import type { ImageTarget, PutItem, PutOptions, PutResult } from './imageSource';
import { familiar } from './sourceNames';

/** `put` of a target whose `putAll` is its one way of writing. */
export async function putOne(target: Required<Pick<ImageTarget, 'putAll'>>, image: Image, refs: readonly string[], options: PutOptions = {}): Promise<PutResult> {
  const [result] = await target.putAll([{ image, refs, label: refs[0] ?? image.manifest.config.digest }], options);
  return result!;
}

/** Each image an archive now holds: its ID, its names as `name` shows them (familiar by default), its manifest digest. */
export function archivedResults(items: readonly PutItem[], name: (ref: string) => string = familiar): PutResult[] {
  return items.map(({ image, refs }) => ({ id: image.manifest.config.digest, names: refs.map(name), digest: image.manifestDescriptor.digest }));
}

// `tag SOURCE TARGET`: points a new reference at an existing image. The target gets :latest when it
// names no tag; a digest is not a valid target, as in Docker.

import { StevedoreError } from '../errors';
import { formatReference, parseReference } from '../reference/reference';
import { findImage, pointReference, type ImageRecord, type ImageStore } from './imageStore';

export async function tagImage(store: ImageStore, source: string, target: string, signal?: AbortSignal): Promise<ImageRecord> {
  const targetRef = parseReference(target);
  if (targetRef.digest) {
    throw new StevedoreError('INVALID_REFERENCE', `refusing to create a tag with a digest reference: "${target}". Give a name with a tag instead.`);
  }
  const full = formatReference(targetRef);
  return store.update(async (tx) => {
    const record = findImage(await store.recordsOf(tx.index, tx.meta), source);
    pointReference(tx, full, { mediaType: record.manifestMediaType, digest: record.manifestDigest, size: record.manifestSize });
    tx.meta.tags[full] = { taggedAt: new Date().toISOString() };
    return { ...record, refs: [...new Set([...record.refs, full])].sort() };
  }, { signal });
}

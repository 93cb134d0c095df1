// Which images and tags `save NAME…` puts in an archive, with Docker's rules: a name with a tag
// saves that tag; a bare repository name saves every tag of that repository; an image ID (full or
// short) or a digest reference saves the image with no tag. Several names for one image become
// one image with all their tags.

import { isDigest } from '../digest';
import { formatReference, repositoryName, tryParseReference } from '../reference/reference';
import { findImage, type ImageRecord } from '../store/imageStore';

export interface SaveTarget {
  record: ImageRecord;
  /** Full references to write as the image's tags; empty for an image saved by ID. */
  refs: string[];
}

export function selectImagesToSave(records: readonly ImageRecord[], names: readonly string[]): SaveTarget[] {
  const targets = new Map<string, SaveTarget>();
  const add = (record: ImageRecord, ref?: string): void => {
    let target = targets.get(record.manifestDigest);
    if (!target) {
      target = { record, refs: [] };
      targets.set(record.manifestDigest, target);
    }
    if (ref && !target.refs.includes(ref)) target.refs.push(ref);
  };
  for (const name of names) {
    const idLike = isDigest(name) || /^[a-f0-9]{64}$/.test(name);
    const ref = idLike ? null : tryParseReference(name, { defaultTag: false });
    if (ref && ref.tag === undefined && ref.digest === undefined) {
      const repository = repositoryName(ref);
      const tagged = records.filter((r) => r.refs.some((full) => repositoryOf(full) === repository));
      if (tagged.length > 0) {
        for (const record of tagged) for (const full of record.refs) if (repositoryOf(full) === repository) add(record, full);
        continue;
      }
      // No tag of that repository: Docker then reads the name as an image ID prefix.
      add(findImage(records, name));
      continue;
    }
    const record = findImage(records, name);
    add(record, ref?.tag !== undefined && ref.digest === undefined ? formatReference(ref) : undefined);
  }
  return [...targets.values()];
}

function repositoryOf(fullRef: string): string | undefined {
  const ref = tryParseReference(fullRef);
  return ref ? repositoryName(ref) : undefined;
}

/** The archive's size as far as known before writing: blobs of each image counted once per image (layers shared by several images twice). */
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

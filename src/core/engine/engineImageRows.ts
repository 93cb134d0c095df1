// The rows `docker images` prints for an engine's /images/json answer, built as the docker CLI's
// image formatter builds them: a row per repository:tag (times each repo digest with --digests),
// a row per repository known only by digest, and `<none>` rows for dangling images.

import { familiarName, parseReference } from '../reference/reference';
import type { EngineImageSummary } from './engineImages';

export interface EngineImageRow {
  repository: string;
  tag: string;
  digest: string;
  image: EngineImageSummary;
}

const NONE = '<none>';

export function engineImageRows(images: readonly EngineImageSummary[], digests: boolean): EngineImageRow[] {
  const rows: EngineImageRow[] = [];
  for (const image of images) {
    if (isDangling(image)) {
      rows.push({ repository: NONE, tag: NONE, digest: NONE, image });
      continue;
    }
    const tagsByRepo = new Map<string, string[]>();
    const digestsByRepo = new Map<string, string[]>();
    for (const text of image.RepoTags ?? []) {
      const ref = parse(text);
      if (ref?.tag) push(tagsByRepo, familiarName(ref), ref.tag);
    }
    for (const text of image.RepoDigests ?? []) {
      const ref = parse(text);
      if (ref?.digest) push(digestsByRepo, familiarName(ref), ref.digest);
    }
    for (const [repository, tags] of tagsByRepo) {
      const repoDigests = digests ? (digestsByRepo.get(repository) ?? []) : [];
      digestsByRepo.delete(repository);
      for (const tag of tags) {
        if (repoDigests.length === 0) rows.push({ repository, tag, digest: NONE, image });
        for (const digest of repoDigests) rows.push({ repository, tag, digest, image });
      }
    }
    for (const [repository, repoDigests] of digestsByRepo) {
      if (digests) for (const digest of repoDigests) rows.push({ repository, tag: NONE, digest, image });
      else rows.push({ repository, tag: NONE, digest: '', image });
    }
  }
  return rows;
}

/** Docker 20.10 reports a dangling image with `<none>` placeholders; newer engines with nothing. */
function isDangling(image: EngineImageSummary): boolean {
  const tags = (image.RepoTags ?? []).filter((t) => t !== '<none>:<none>');
  const digests = (image.RepoDigests ?? []).filter((d) => d !== '<none>@<none>');
  return tags.length === 0 && digests.length === 0;
}

function parse(text: string): ReturnType<typeof parseReference> | undefined {
  try {
    return parseReference(text, { defaultTag: false });
  } catch {
    return undefined;
  }
}

function push(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

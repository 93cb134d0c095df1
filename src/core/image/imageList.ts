// The rows `images` prints and the tree view groups: one per repository:tag, one `<none>` row per
// dangling image, newest first; and Docker's --filter semantics over them.

import { StevedoreError } from '../errors';
import { familiarName, matchesReferencePattern, parseReference, repositoryName, type ImageReference } from '../reference/reference';
import { findImage, type ImageRecord } from '../store/imageStore';

export interface ImageRow {
  /** Familiar repository name, or `<none>`. */
  repository: string;
  tag: string;
  /** The repo digest for this row's repository, or `<none>`. */
  digest: string;
  reference?: ImageReference;
  record: ImageRecord;
}

export const NONE = '<none>';

export function imageRows(records: readonly ImageRecord[]): ImageRow[] {
  const rows: ImageRow[] = [];
  const sorted = [...records].sort((a, b) => createdMs(b) - createdMs(a) || a.id.localeCompare(b.id));
  for (const record of sorted) {
    const digestByRepo = new Map<string, string>();
    for (const rd of record.repoDigests) {
      const at = rd.lastIndexOf('@');
      digestByRepo.set(rd.slice(0, at), rd.slice(at + 1));
    }
    const refs = record.refs.map((r) => parseReference(r, { defaultTag: false }));
    const shownRepos = new Set<string>();
    for (const ref of refs) {
      const repo = repositoryName(ref);
      if (!ref.tag && shownRepos.has(repo)) continue;
      shownRepos.add(repo);
      rows.push({
        repository: familiarName(ref),
        tag: ref.tag ?? NONE,
        digest: ref.digest ?? digestByRepo.get(repo) ?? NONE,
        reference: ref,
        record,
      });
    }
    // Repo digests of repositories that no tag names still identify the image there, as in Docker.
    for (const [repo, digest] of digestByRepo) {
      if (shownRepos.has(repo)) continue;
      const ref = parseReference(`${repo}@${digest}`);
      rows.push({ repository: familiarName(ref), tag: NONE, digest, reference: ref, record });
    }
    if (refs.length === 0 && digestByRepo.size === 0) rows.push({ repository: NONE, tag: NONE, digest: NONE, record });
  }
  return rows;
}

export function createdMs(record: ImageRecord): number {
  const t = record.summary.created ? Date.parse(record.summary.created) : NaN;
  return Number.isNaN(t) ? 0 : t;
}

export interface ImageFilter {
  dangling?: boolean;
  labels: { key: string; value?: string }[];
  before?: ImageRecord;
  since?: ImageRecord;
  references: string[];
}

/** Builds the filter from `--filter` values (already split into key → values). */
export function imageFilter(filters: ReadonlyMap<string, readonly string[]>, records: readonly ImageRecord[]): ImageFilter {
  const filter: ImageFilter = { labels: [], references: [] };
  for (const [key, values] of filters) {
    for (const value of values) {
      switch (key) {
        case 'dangling':
          if (!/^(true|false|1|0)$/i.test(value)) {
            throw new StevedoreError('INVALID_ARGUMENT', `Invalid filter 'dangling=${value}': use dangling=true or dangling=false.`);
          }
          filter.dangling = /^(true|1)$/i.test(value);
          break;
        case 'label': {
          const eq = value.indexOf('=');
          filter.labels.push(eq >= 0 ? { key: value.slice(0, eq), value: value.slice(eq + 1) } : { key: value });
          break;
        }
        case 'before':
          filter.before = findImage(records, value);
          break;
        case 'since':
          filter.since = findImage(records, value);
          break;
        case 'reference':
          filter.references.push(value);
          break;
        default:
          throw new StevedoreError('INVALID_ARGUMENT', `Invalid filter '${key}'. Filters for images are dangling, label, before, since and reference.`);
      }
    }
  }
  return filter;
}

export function applyImageFilter(rows: readonly ImageRow[], filter: ImageFilter): ImageRow[] {
  return rows.filter((row) => {
    const { record } = row;
    const dangling = record.refs.length === 0;
    if (filter.dangling !== undefined && filter.dangling !== dangling) return false;
    for (const { key, value } of filter.labels) {
      const labels = record.summary.labels ?? {};
      if (!(key in labels)) return false;
      if (value !== undefined && labels[key] !== value) return false;
    }
    if (filter.before && !(createdMs(record) < createdMs(filter.before))) return false;
    if (filter.since && !(createdMs(record) > createdMs(filter.since))) return false;
    if (filter.references.length > 0) {
      if (!row.reference || !filter.references.some((p) => matchesReferencePattern(p, row.reference!))) return false;
    }
    return true;
  });
}

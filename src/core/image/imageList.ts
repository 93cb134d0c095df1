// The rows `images` prints and the tree view groups: one per repository:tag, one `<none>` row per
// dangling image, newest first; and Docker's --filter semantics over them.

import { StevedoreError } from '../errors';
import { parseBoolFilter } from '../format/filters';
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

export interface ImageRowOptions {
  /**
   * `images --digests`: one row per tag and repo digest of its repository, as Docker lists them.
   * Without it each tag is one row, with its repository's first digest.
   */
  digests?: boolean;
}

export function imageRows(records: readonly ImageRecord[], options: ImageRowOptions = {}): ImageRow[] {
  const rows: ImageRow[] = [];
  // Each time parsed once, not in every comparison (a sort of 1,000 images makes ~10,000).
  const created = new Map(records.map((r) => [r, createdMs(r)]));
  const sorted = [...records].sort((a, b) => created.get(b)! - created.get(a)! || a.id.localeCompare(b.id));
  for (const record of sorted) {
    const digestsByRepo = new Map<string, string[]>();
    const addDigest = (repo: string, digest: string): void => {
      const list = digestsByRepo.get(repo) ?? [];
      if (!list.includes(digest)) list.push(digest);
      digestsByRepo.set(repo, list);
    };
    for (const rd of record.repoDigests) {
      const at = rd.lastIndexOf('@');
      addDigest(rd.slice(0, at), rd.slice(at + 1));
    }
    const refs = record.refs.map((r) => parseReference(r, { defaultTag: false }));
    for (const ref of refs) if (!ref.tag && ref.digest) addDigest(repositoryName(ref), ref.digest);
    const shownRepos = new Set<string>();
    for (const ref of refs) {
      if (!ref.tag) continue;
      const repo = repositoryName(ref);
      shownRepos.add(repo);
      const digests = ref.digest ? [ref.digest] : (digestsByRepo.get(repo) ?? []);
      const shown = options.digests ? digests : digests.slice(0, 1);
      if (shown.length === 0) shown.push(NONE);
      for (const digest of shown) rows.push({ repository: familiarName(ref), tag: ref.tag, digest, reference: ref, record });
    }
    // Repo digests of repositories that no tag names still identify the image there, as in Docker.
    for (const [repo, digests] of digestsByRepo) {
      if (shownRepos.has(repo)) continue;
      for (const digest of options.digests ? digests : digests.slice(0, 1)) {
        const ref = parseReference(`${repo}@${digest}`);
        rows.push({ repository: familiarName(ref), tag: NONE, digest, reference: ref, record });
      }
    }
    if (rows.length === 0 || rows[rows.length - 1]!.record !== record) rows.push({ repository: NONE, tag: NONE, digest: NONE, record });
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
    // GetBoolOrDefault: exactly true/1 or false/0, and values that disagree are an error.
    if (key === 'dangling') filter.dangling = parseBoolFilter(values, 'dangling');
    for (const value of values) {
      switch (key) {
        case 'dangling':
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

// `image prune --filter`: the keys the daemon accepts (dangling, label, label!, until) and its rules
// (moby's ImagesPrune and matchLabels). A value it cannot read is an error, never a filter dropped:
// dropping `until=` would prune every image.

import { untilFilter } from '../format/filterTime';
import { parseBoolFilter, parseFilters } from '../format/filters';
import type { ImageSummary } from '../store/metadata';

export const PRUNE_FILTER_KEYS = ['dangling', 'label', 'label!', 'until'] as const;

export interface PruneFilter {
  /** Whether tagged images go too (-a, or dangling=false). */
  all: boolean;
  /** True for an image the filters spare. */
  keep: (record: { summary: Pick<ImageSummary, 'labels' | 'created'> }) => boolean;
}

/** Parses `--filter` values for prune; `all` is the -a flag. */
export function pruneFilter(values: readonly string[], all: boolean, now: Date): PruneFilter {
  const filters = parseFilters(values, PRUNE_FILTER_KEYS);
  const dangling = filters.get('dangling');
  const danglingOnly = dangling === undefined || parseBoolFilter(dangling, 'dangling');
  const everything = all || !danglingOnly;
  const until = untilFilter(filters.get('until'), now);
  const labels = filters.get('label') ?? [];
  const notLabels = filters.get('label!') ?? [];
  return {
    all: everything,
    keep: (record) => {
      const imageLabels = record.summary.labels ?? {};
      if (!matchKVList(labels, imageLabels)) return true;
      if (notLabels.length && matchKVList(notLabels, imageLabels)) return true;
      if (until !== undefined && createdMs(record.summary.created) > until) return true;
      return false;
    },
  };
}

/** filters.Args.MatchKVList: every "key" or "key=value" matches; no filter matches anything. */
function matchKVList(specs: readonly string[], labels: Record<string, string>): boolean {
  if (specs.length === 0) return true;
  return specs.every((spec) => {
    const eq = spec.indexOf('=');
    const key = eq < 0 ? spec : spec.slice(0, eq);
    if (!(key in labels)) return false;
    return eq < 0 || labels[key] === spec.slice(eq + 1);
  });
}

/** An image without a creation time counts as created at the epoch, as Go's zero time would. */
function createdMs(created: string | undefined): number {
  const t = created ? Date.parse(created) : NaN;
  return Number.isNaN(t) ? Number.NEGATIVE_INFINITY : t;
}

// Where blobs came from and under which digest each registry knows them, kept in the metadata side
// file so that a push can skip (HEAD) or mount a blob instead of uploading it again, even a layer
// stored uncompressed whose compressed form only the registry holds (docker/cli #4607).

import type { DistributionSource, StoreMetadata } from './metadata';

/** Sources remembered per blob; the oldest are dropped beyond this, the newest are the most useful. */
const MAX_SOURCES_PER_BLOB = 16;

/** Adds sources keyed by stored blob digest; an entry for the same registry, repository and digest is replaced. */
export function mergeSources(meta: StoreMetadata, sources: Readonly<Record<string, readonly DistributionSource[]>>): void {
  for (const [blob, additions] of Object.entries(sources)) {
    const list = [...(meta.sources[blob] ?? [])];
    for (const source of additions) {
      const same = list.findIndex((s) => s.registry === source.registry && s.repository === source.repository && s.digest === source.digest);
      if (same >= 0) list.splice(same, 1);
      list.push({ ...source });
    }
    meta.sources[blob] = list.slice(-MAX_SOURCES_PER_BLOB);
  }
}

/** The known sources of a blob on one registry, newest first. */
export function sourcesOn(meta: StoreMetadata, blob: string, registry: string): DistributionSource[] {
  return (meta.sources[blob] ?? []).filter((s) => s.registry === registry).reverse();
}

// Picks the manifest for a platform from an index (manifest list), as containerd's matcher does:
// os and architecture must match; a variant given on both sides must match too, and an exact
// variant beats a missing one. Attestation entries (BuildKit's "unknown/unknown") are never picked.

import { StevedoreError } from '../errors';
import { formatPlatform, platformMatches } from '../image/platform';
import type { Descriptor, ImageIndex, Platform } from '../image/types';

const ATTESTATION_ANNOTATION = 'vnd.docker.reference.type';

export function isImageEntry(entry: Descriptor): boolean {
  if (entry.annotations?.[ATTESTATION_ANNOTATION]) return false;
  return !(entry.platform?.os === 'unknown' && entry.platform.architecture === 'unknown');
}

/** The platforms an index offers, as "os/arch[/variant]", in its order. */
export function availablePlatforms(index: ImageIndex): string[] {
  return [...new Set(index.manifests.filter((m) => isImageEntry(m) && m.platform).map((m) => formatPlatform(m.platform!)))];
}

export function selectPlatform(index: ImageIndex, wanted: Platform, display: string): Descriptor {
  const candidates = index.manifests.filter((m) => isImageEntry(m) && platformMatches(m.platform, wanted));
  const exact = candidates.find((m) => (m.platform?.variant ?? '') === (wanted.variant ?? ''));
  const chosen = exact ?? candidates[0];
  if (!chosen) {
    const available = availablePlatforms(index);
    throw new StevedoreError(
      'PLATFORM_NOT_FOUND',
      `no matching manifest for ${formatPlatform(wanted)} in the manifest list entries of ${display}; available platforms: ${available.length ? available.join(', ') : 'none listed'}. Pick one with --platform.`,
      { detail: { available } },
    );
  }
  return chosen;
}

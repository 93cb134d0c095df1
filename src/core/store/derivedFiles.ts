// Files the store keeps beside a blob: a layer's listing, cached by layers/layerCache.ts, and the
// signatures a pull verified for a manifest (trust/signatureRecord.ts). They are named here, by
// the store, so that garbage collection removes them with their blob and they cannot outlive the
// images the store still holds.

import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDigest } from '../digest';
import type { StoreLayout } from './layout';

export function layerListingDir(layout: StoreLayout): string {
  return join(layout.cacheDir, 'layers');
}

/** `<store>/stevedore/cache/layers/<hex>.json`; the digest is validated before it becomes a path. */
export function layerListingPath(layout: StoreLayout, digest: string): string {
  const { algorithm, hex } = parseDigest(digest);
  return join(layerListingDir(layout), algorithm === 'sha256' ? `${hex}.json` : `${algorithm}-${hex}.json`);
}

/** `<store>/stevedore/signatures/<hex>.json`, keyed by the stored image's manifest digest. */
export function signatureRecordPath(layout: StoreLayout, manifestDigest: string): string {
  const { algorithm, hex } = parseDigest(manifestDigest);
  return join(layout.privateDir, 'signatures', algorithm === 'sha256' ? `${hex}.json` : `${algorithm}-${hex}.json`);
}

export async function removeDerivedFiles(layout: StoreLayout, digest: string): Promise<void> {
  await rm(layerListingPath(layout, digest), { force: true });
  await rm(signatureRecordPath(layout, digest), { force: true });
}

// The pull's first stage: what a reference names at the registry now. The tag (or digest) is
// resolved to the manifest the registry serves, its digest taken from the bytes received; nothing
// is stored, and nothing but this manifest is fetched, so the verify stage judges exactly the
// digest everything after it is fetched from.

import { familiarString, formatReference, type ImageReference } from '../reference/reference';
import { fetchManifest, type FetchedManifest } from './manifests';
import type { RegistryClient } from './registryClient';

export interface ResolvedImage {
  /** The reference as pulled, normalised, with its tag (default "latest") or digest. */
  reference: ImageReference;
  /** The digest of the manifest the registry served (the index's, for a multi-platform image). */
  manifestDigest: string;
  client: RegistryClient;
  /** The manifest (or index) itself, as received. */
  top: FetchedManifest;
  /** The full reference the image is recorded under: "docker.io/library/redis:latest" or "…@sha256:…". */
  fullRef: string;
  /** How messages name it: "redis:latest". */
  display: string;
}

export async function resolvePull(client: RegistryClient, ref: ImageReference, signal?: AbortSignal): Promise<ResolvedImage> {
  const reference: ImageReference = ref.digest ? { domain: ref.domain, path: ref.path, digest: ref.digest } : { domain: ref.domain, path: ref.path, tag: ref.tag ?? 'latest' };
  const display = familiarString(ref);
  const top = await fetchManifest(client, { repository: ref.path, reference: reference.digest ?? reference.tag!, display }, signal);
  return { reference, manifestDigest: top.digest, client, top, fullRef: formatReference(reference), display };
}

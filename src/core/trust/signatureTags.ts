// Which tags of a repository have signatures attached, read from the tag list alone plus one
// manifest fetch per tag: cosign and c/image attach a manifest's signatures under the tag
// `sha256-<hex>.sig`, and a registry without the referrers API lists a manifest's referrers (Sigstore
// bundles) under `sha256-<hex>`. A mark, not a verdict: whether a signature verifies is the policy's
// business (pull, `trust show`, the inspector).

import { fetchManifest } from '../registry/manifests';
import type { RegistryClient } from '../registry/registryClient';
import { runLimited } from '../registry/runLimited';

const SIGNATURE_TAG = /^sha256-([a-f0-9]{64})(?:\.sig)?$/;
/** Repositories with more tags than this are not looked through (one manifest fetch each). */
const MAX_TAGS = 100;

export function isSignatureTag(tag: string): boolean {
  return SIGNATURE_TAG.test(tag);
}

/** The manifest digests a tag list shows signatures or referrers for. */
export function signedDigests(tags: readonly string[]): Set<string> {
  const digests = new Set<string>();
  for (const tag of tags) {
    const match = SIGNATURE_TAG.exec(tag);
    if (match) digests.add(`sha256:${match[1]}`);
  }
  return digests;
}

/** The tags whose manifest has a signature attached; none looked up when the list shows no signature. */
export async function signedTags(client: RegistryClient, repository: string, tags: readonly string[], signal?: AbortSignal): Promise<Set<string>> {
  const digests = signedDigests(tags);
  const candidates = tags.filter((t) => !isSignatureTag(t));
  if (digests.size === 0 || candidates.length > MAX_TAGS) return new Set();
  const found = await runLimited(candidates, 4, signal, async (tag, _i, tagSignal) => {
    const fetched = await fetchManifest(client, { repository, reference: tag, display: `${client.domain}/${repository}:${tag}` }, tagSignal);
    return digests.has(fetched.digest) ? tag : undefined;
  });
  return new Set(found.filter((t): t is string => t !== undefined));
}

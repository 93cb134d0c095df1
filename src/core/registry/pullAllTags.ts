// `pull -a`: every tag of a repository, through the same stages as `pull`. Every tag is resolved
// and verified before any is fetched, so a tag the policy refuses stops the pull with the store
// unchanged rather than after the tags before it were stored. Then each tag is fetched and
// committed in turn (its layers in parallel); layers the tags share are downloaded once, since
// each fetch skips blobs already stored. The command reaches `pullEach` through `copyImages`
// (sources/copyImages.ts), whose registry → store pair it is.

import { StevedoreError, throwIfAborted } from '../errors';
import { formatReference, parseReference } from '../reference/reference';
import type { ImageStore } from '../store/imageStore';
import { listTags } from './pagedLists';
import { pullVerified, type PullResult, type StageOptions } from './pullImage';
import { resolvePull } from './pullResolve';
import { verifyPull, type VerifiedImage } from './pullVerify';
import type { RegistryClients } from './registryClients';

/** The full reference of every tag of `repository` (a name with no tag), as the registry lists them. */
export async function allTagReferences(clients: RegistryClients, repository: string, signal?: AbortSignal): Promise<string[]> {
  const ref = parseReference(repository, { defaultTag: false });
  if (ref.tag || ref.digest) {
    throw new StevedoreError('INVALID_ARGUMENT', `tag can't be used with --all-tags/-a: give the repository only ("${repository.replace(/[:@][^/]*$/, '')}").`);
  }
  const tags = await listTags(clients.for(ref.domain), ref.path, signal ? { signal } : {});
  if (tags.length === 0) throw new StevedoreError('MANIFEST_UNKNOWN', `${repository} has no tags to pull.`);
  return tags.map((tag) => formatReference({ domain: ref.domain, path: ref.path, tag }));
}

/** Pulls each reference: all resolved and verified first, then each fetched and committed in turn. */
export async function pullEach(store: ImageStore, clients: RegistryClients, references: readonly string[], options: StageOptions): Promise<PullResult[]> {
  const { signal } = options;
  const accepted: VerifiedImage[] = [];
  for (const reference of references) {
    throwIfAborted(signal);
    const ref = parseReference(reference);
    const resolved = await resolvePull(clients.for(ref.domain), ref, signal);
    accepted.push(await verifyPull(resolved, options.verify, signal));
  }
  const results: PullResult[] = [];
  for (const image of accepted) {
    throwIfAborted(signal);
    results.push(await pullVerified(store, image, options));
  }
  return results;
}

// `pull -a`: every tag of a repository, through the same stages as `pull`. Every tag is resolved
// and verified before any is fetched, so a tag the policy refuses stops the pull with the store
// unchanged rather than after the tags before it were stored. Then each tag is fetched and
// committed in turn (its layers in parallel); layers the tags share are downloaded once, since
// each fetch skips blobs already stored.

import { StevedoreError, throwIfAborted } from '../errors';
import { parseReference } from '../reference/reference';
import type { ImageStore } from '../store/imageStore';
import { listTags } from './pagedLists';
import { pullVerified, type PullOptions, type PullResult } from './pullImage';
import { resolvePull } from './pullResolve';
import { verifyPull, type VerifiedImage } from './pullVerify';
import type { RegistryClients } from './registryClients';

export async function pullAllTags(store: ImageStore, clients: RegistryClients, options: PullOptions): Promise<PullResult[]> {
  const ref = parseReference(options.reference, { defaultTag: false });
  if (ref.tag || ref.digest) {
    throw new StevedoreError('INVALID_ARGUMENT', `tag can't be used with --all-tags/-a: give the repository only ("${options.reference.replace(/[:@][^/]*$/, '')}").`);
  }
  const { signal } = options;
  const client = clients.for(ref.domain);
  const tags = await listTags(client, ref.path, signal ? { signal } : {});
  if (tags.length === 0) throw new StevedoreError('MANIFEST_UNKNOWN', `${options.reference} has no tags to pull.`);
  const accepted: VerifiedImage[] = [];
  for (const tag of tags) {
    throwIfAborted(signal);
    const resolved = await resolvePull(client, { domain: ref.domain, path: ref.path, tag }, signal);
    accepted.push(await verifyPull(resolved, options.verify, signal));
  }
  const results: PullResult[] = [];
  for (const image of accepted) {
    throwIfAborted(signal);
    results.push(await pullVerified(store, image, options));
  }
  return results;
}

// `pull -a`: every tag of a repository, one after another (each tag's layers still in parallel);
// layers the tags share are downloaded once, since each pull skips blobs already stored.

import { StevedoreError, throwIfAborted } from '../errors';
import { parseReference } from '../reference/reference';
import type { ImageStore } from '../store/imageStore';
import { listTags } from './pagedLists';
import { pullReference, type PullOptions, type PullResult } from './pullImage';
import type { RegistryClients } from './registryClients';

export async function pullAllTags(store: ImageStore, clients: RegistryClients, options: PullOptions): Promise<PullResult[]> {
  const ref = parseReference(options.reference, { defaultTag: false });
  if (ref.tag || ref.digest) {
    throw new StevedoreError('INVALID_ARGUMENT', `tag can't be used with --all-tags/-a: give the repository only ("${options.reference.replace(/[:@][^/]*$/, '')}").`);
  }
  const client = clients.for(ref.domain);
  const tags = await listTags(client, ref.path, options.signal ? { signal: options.signal } : {});
  if (tags.length === 0) throw new StevedoreError('MANIFEST_UNKNOWN', `${options.reference} has no tags to pull.`);
  const results: PullResult[] = [];
  for (const tag of tags) {
    throwIfAborted(options.signal);
    results.push(await pullReference(store, client, { domain: ref.domain, path: ref.path, tag }, options));
  }
  return results;
}

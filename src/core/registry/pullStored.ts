// A pull of an image the store already has under the name pulled: the registry serves the manifest
// recorded under that name, every blob is here, and the repo digest and sources a commit would
// record are recorded. Docker says "Image is up to date" and writes nothing; so does this: no lease,
// no lock, no metadata rewrite. Anything short of that (a missing blob, a new repo digest, another
// image under the name) returns undefined, and the pull takes its full path (fetch, then commit).
//
// The check reads the store without the lock, as `images` does. A concurrent writer that removes
// the image or the name after the check is ordered after this pull, as an `rmi` run a moment after
// a locked commit would be: the user is told the image was up to date when it was, and the store
// stays whole either way. A blob seen present can go the same way, which is why a check that would
// change anything never writes from here: only the leased full path adds references.

import { platformMatches, hostPlatform } from '../image/platform';
import type { Descriptor } from '../image/types';
import { repositoryName } from '../reference/reference';
import type { ImageStore } from '../store/imageStore';
import type { PullResult } from './pullCommit';
import { platformOf, pulledSources } from './pullFetch';
import type { StageOptions } from './pullImage';
import type { VerifiedImage } from './pullVerify';
import { selectPlatform } from './platformSelect';
import { loadImage, type LoadedImage } from '../image/summary';

export async function pullStored(store: ImageStore, image: VerifiedImage, options: StageOptions): Promise<PullResult | undefined> {
  const { top } = image;
  // The manifest the full path would store: the top one, or the platform's from the index.
  const entry: Descriptor =
    top.kind === 'index'
      ? selectPlatform(top.index, options.platform ?? hostPlatform(), image.display)
      : { mediaType: top.mediaType, digest: top.digest, size: top.bytes.length };
  let loaded: LoadedImage;
  try {
    loaded = await loadImage(store.blobs, entry);
  } catch {
    return undefined; // missing or damaged here: the full path fetches it again or says what is wrong
  }
  // An index stored under the digest is not what a pull stores.
  if (loaded.manifestDescriptor.digest !== entry.digest) return undefined;
  const platform = platformOf(top.kind === 'index' && entry.platform ? entry.platform : loaded.config);
  if (options.platform && !platformMatches(platform, options.platform)) return undefined;
  const descriptor: Descriptor = { mediaType: entry.mediaType, digest: entry.digest, size: entry.size, platform };
  const repoDigest = `${repositoryName(image.reference)}@${image.manifestDigest}`;
  const recording = { repoDigests: [repoDigest], sources: pulledSources(image, loaded.manifest) };
  const record = await store.alreadyRecorded(descriptor, [image.fullRef], recording, loaded);
  if (!record) return undefined;
  options.onEvent?.({ kind: 'end', operation: 'pull', reference: image.fullRef, digest: image.manifestDigest, id: record.id, upToDate: true });
  return { reference: image.fullRef, digest: image.manifestDigest, repoDigest, manifestDigest: entry.digest, platform, record, upToDate: true, downloadedBytes: 0 };
}

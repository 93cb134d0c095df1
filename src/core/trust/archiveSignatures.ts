// Signatures and image archives. An archive Stevedore writes (Docker's manifest.json with an OCI
// layout beside it, which docker load, podman load and skopeo read) carries no signatures, as with
// `docker save` and skopeo's `docker-archive:`/`oci:` copies (c/image refuses to write signatures
// there without --remove-signatures). Writing cosign's `.sig` manifests into the archive's
// index.json would make docker and podman load them as images. So a save of an image whose
// signatures are kept in the store says that they stay behind, instead of dropping them silently.

import { familiarString, parseReference } from '../reference/reference';
import { shortId } from '../shortId';
import type { ImageRecord } from '../store/imageStore';
import type { StoreLayout } from '../store/layout';
import { signedManifestDigests } from './signatureSummary';

/** The names of the images among `records` whose verified signatures are kept in the store. */
export async function signedImageNames(layout: StoreLayout, records: readonly ImageRecord[]): Promise<string[]> {
  const signed = await signedManifestDigests(layout);
  return records.filter((r) => signed.has(r.manifestDigest)).map((r) => (r.refs[0] ? familiarString(parseReference(r.refs[0])) : shortId(r.manifestDigest)));
}

export function signaturesNotArchived(names: readonly string[]): string {
  return (
    `The signatures kept with ${names.join(', ')} are not written into the archive: image archives carry no signatures (neither docker save nor skopeo writes them). ` +
    'They stay in this store and in the registry; after a load elsewhere, check them with `stevedore trust show REFERENCE` against the registry, or pull the image under your policy.'
  );
}

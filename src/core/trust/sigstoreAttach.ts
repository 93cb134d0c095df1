// Writing a cosign-layout signature into the registry, as `cosign sign --key` and c/image's
// sigstore attachments do: the `sha256-<hex>.sig` tag of the signed image's repository holds an OCI
// manifest with one layer per signature (the simple-signing payload; the base64 signature in the
// layer's dev.cosignproject.cosign/signature annotation) and a config listing those layers as
// diff_ids. Signatures already attached are kept: the manifest is read, the new layer appended
// (unless that very payload and signature are there already) and the tag written again. As with
// cosign and c/image, two signers writing the same tag at the same moment can lose one of the two
// layers: a registry has no compare-and-swap on tags.

import { sha256Digest } from '../digest';
import { StevedoreError } from '../errors';
import type { Descriptor, ImageManifest } from '../image/types';
import { uploadBlob } from '../registry/blobUpload';
import { fetchManifest, putManifest } from '../registry/manifests';
import type { RegistryClient } from '../registry/registryClient';
import type { ImageReference } from '../reference/reference';
import { Readable } from 'node:stream';
import { COSIGN_PAYLOAD_MEDIA_TYPE, COSIGN_SIGNATURE_ANNOTATION } from './cosignSignature';
import { sigstoreSignatureTag } from './signatureSources';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';

export interface WrittenAttachment {
  /** "HOST/REPO:sha256-HEX.sig" */
  tag: string;
  /** How many signatures the tag holds now. */
  signatures: number;
}

export async function attachSigstoreSignature(client: RegistryClient, ref: ImageReference, manifestDigest: string, payload: Buffer, signature: Buffer, signal?: AbortSignal): Promise<WrittenAttachment> {
  const tag = sigstoreSignatureTag(manifestDigest);
  const display = `${ref.domain}/${ref.path}:${tag}`;
  const layers = await existingLayers(client, ref, tag, display, signal);
  const layer: Descriptor = {
    mediaType: COSIGN_PAYLOAD_MEDIA_TYPE,
    digest: sha256Digest(payload),
    size: payload.length,
    annotations: { [COSIGN_SIGNATURE_ANNOTATION]: signature.toString('base64') },
  };
  const same = layers.some((l) => l.digest === layer.digest && l.annotations?.[COSIGN_SIGNATURE_ANNOTATION] === layer.annotations![COSIGN_SIGNATURE_ANNOTATION]);
  if (!same) layers.push(layer);
  const config = Buffer.from(JSON.stringify({ architecture: '', os: '', config: {}, rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) } }));
  await putBlob(client, ref, payload, signal);
  await putBlob(client, ref, config, signal);
  const manifest: ImageManifest = { schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: OCI_CONFIG, digest: sha256Digest(config), size: config.length }, layers };
  await putManifest(client, ref.path, tag, Buffer.from(JSON.stringify(manifest)), OCI_MANIFEST, signal);
  return { tag: display, signatures: layers.length };
}

async function existingLayers(client: RegistryClient, ref: ImageReference, tag: string, display: string, signal?: AbortSignal): Promise<Descriptor[]> {
  try {
    const found = await fetchManifest(client, { repository: ref.path, reference: tag, display }, signal);
    if (found.kind !== 'manifest') throw new StevedoreError('REGISTRY_ERROR', `${display} exists but is not an image manifest; it cannot be holding cosign signatures. Delete that tag, or sign into another repository.`);
    return found.manifest.layers;
  } catch (err) {
    if (err instanceof StevedoreError && (err.code === 'MANIFEST_UNKNOWN' || err.code === 'IMAGE_NOT_FOUND' || err.code === 'NAME_UNKNOWN')) return [];
    throw err;
  }
}

async function putBlob(client: RegistryClient, ref: ImageReference, bytes: Buffer, signal?: AbortSignal): Promise<void> {
  await uploadBlob(client, ref.path, { open: () => Readable.from([bytes]), digest: sha256Digest(bytes), size: bytes.length }, signal ? { signal } : {});
}

// `push --sign-by-sigstore-private-key FILE --sign-with-referrers`: the signature as a Sigstore
// bundle attached as an OCI 1.1 referrer, as `cosign sign --new-bundle-format` stores it: a DSSE
// envelope (signed with the cosign key over DSSE's pre-authentication encoding) of an in-toto
// statement whose subject is the repository and the manifest digest, built into a v0.3 bundle by
// @sigstore/bundle, pushed as an artifact manifest whose `subject` is the image. A registry with
// the referrers API indexes it itself (it answers the PUT with OCI-Subject); one without (Debian's
// distribution 2.8) gets the OCI 1.1 fallback: the `sha256-<hex>` tag's index, read, extended and
// written again (two signers at once can lose one entry, as with any tag).

import { sign } from 'node:crypto';
import { Readable } from 'node:stream';
import { sha256Digest } from '../digest';
import { StevedoreError } from '../errors';
import type { Descriptor, ImageIndex } from '../image/types';
import { repositoryScope } from '../registry/bearerTokens';
import { uploadBlob } from '../registry/blobUpload';
import { fetchManifest, putManifest } from '../registry/manifests';
import type { RegistryClient } from '../registry/registryClient';
import type { ImageReference } from '../reference/reference';
import type { CosignPrivateKey } from './cosignPrivateKey';

const BUNDLE_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const IN_TOTO = 'application/vnd.in-toto+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const EMPTY = { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256Digest('{}'), size: 2 };

/** DSSE's pre-authentication encoding: what the signature covers (DSSE protocol, v1). */
function preAuthEncoding(payloadType: string, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`DSSEv1 ${Buffer.byteLength(payloadType)} ${payloadType} ${payload.length} `), payload]);
}

export async function makeSigstoreBundle(key: CosignPrivateKey, repository: string, manifestDigest: string): Promise<Buffer> {
  const statement = Buffer.from(
    JSON.stringify({
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: repository, digest: { sha256: manifestDigest.replace(/^sha256:/, '') } }],
      predicateType: 'https://sigstore.dev/cosign/sign/v1',
      predicate: {},
    }),
  );
  const { toDSSEBundle, bundleToJSON } = await import('@sigstore/bundle');
  const bundle = toDSSEBundle({ artifact: statement, artifactType: IN_TOTO, signature: sign('sha256', preAuthEncoding(IN_TOTO, statement), key.privateKey), keyHint: '' });
  return Buffer.from(JSON.stringify(bundleToJSON(bundle)));
}

/** Attaches `bundle` as a referrer of the pushed manifest; returns where it can be found. */
export async function attachBundleReferrer(client: RegistryClient, ref: ImageReference, manifestDigest: string, bundle: Buffer, signal?: AbortSignal): Promise<string> {
  const subjectDoc = await fetchManifest(client, { repository: ref.path, reference: manifestDigest, display: `${ref.domain}/${ref.path}@${manifestDigest}` }, signal);
  const subject: Descriptor = { mediaType: subjectDoc.mediaType, digest: manifestDigest, size: subjectDoc.bytes.length };
  for (const bytes of [Buffer.from('{}'), bundle]) {
    await uploadBlob(client, ref.path, { open: () => Readable.from([bytes]), digest: sha256Digest(bytes), size: bytes.length }, signal ? { signal } : {});
  }
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: BUNDLE_TYPE, config: EMPTY, layers: [{ mediaType: BUNDLE_TYPE, digest: sha256Digest(bundle), size: bundle.length }], subject }));
  const digest = sha256Digest(manifest);
  const indexed = await putManifestWithSubject(client, ref, digest, manifest, signal);
  if (!indexed) await addToFallbackIndex(client, ref, manifestDigest, { mediaType: OCI_MANIFEST, digest, size: manifest.length, artifactType: BUNDLE_TYPE }, signal);
  return `${ref.domain}/${ref.path}@${digest}${indexed ? ' (referrer)' : ` (referrer, listed in the ${manifestDigest.replace(':', '-')} tag)`}`;
}

/** PUTs the artifact manifest; true when the registry says it indexed the subject itself (OCI-Subject). */
async function putManifestWithSubject(client: RegistryClient, ref: ImageReference, digest: string, bytes: Buffer, signal?: AbortSignal): Promise<boolean> {
  const res = await client.request({ method: 'PUT', url: `/v2/${ref.path}/manifests/${digest}`, headers: { 'content-type': OCI_MANIFEST }, body: () => bytes, scopes: [repositoryScope(ref.path, 'pull,push')], ...(signal ? { signal } : {}) });
  if (res.status !== 201 && res.status !== 200 && res.status !== 202) throw await client.errorFrom(res, `the signature referrer of ${ref.domain}/${ref.path}`);
  await res.body.dump().catch(() => undefined);
  return typeof res.headers['oci-subject'] === 'string';
}

async function addToFallbackIndex(client: RegistryClient, ref: ImageReference, manifestDigest: string, entry: Descriptor & { artifactType: string }, signal?: AbortSignal): Promise<void> {
  const tag = manifestDigest.replace(':', '-');
  let index: ImageIndex = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] };
  try {
    const found = await fetchManifest(client, { repository: ref.path, reference: tag, display: `${ref.domain}/${ref.path}:${tag}` }, signal);
    if (found.kind !== 'index') throw new StevedoreError('REGISTRY_ERROR', `${ref.domain}/${ref.path}:${tag} exists but is not an OCI index, so it cannot list referrers; delete that tag or use the .sig attachment (leave out --sign-with-referrers).`);
    index = found.index;
  } catch (err) {
    if (!(err instanceof StevedoreError && (err.code === 'MANIFEST_UNKNOWN' || err.code === 'IMAGE_NOT_FOUND' || err.code === 'NAME_UNKNOWN'))) throw err;
  }
  if (!index.manifests.some((m) => m.digest === entry.digest)) index = { ...index, manifests: [...index.manifests, entry] };
  await putManifest(client, ref.path, tag, Buffer.from(JSON.stringify(index)), OCI_INDEX, signal);
}

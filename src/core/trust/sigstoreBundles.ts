// Sigstore bundles attached to an image as OCI 1.1 referrers (artifactType
// application/vnd.dev.sigstore.bundle.v0.3+json), as `cosign sign --new-bundle-format` and GitHub's
// attestations store them: found through the referrers API, or the `sha256-<hex>` tag index where
// a registry has no such API (the OCI 1.1 fallback). Each bundle is checked with @sigstore/verify
// against the policy's public keys only — no Fulcio certificates, no Rekor entries, nothing that
// needs the internet — and must be a DSSE envelope of an in-toto statement whose subject is the
// image's manifest digest.

import { StevedoreError } from '../errors';
import type { Descriptor, ImageIndex, ImageManifest } from '../image/types';
import { repositoryScope } from '../registry/bearerTokens';
import { fetchManifest, MAX_MANIFEST_BYTES } from '../registry/manifests';
import type { RegistryClient } from '../registry/registryClient';
import type { ImageReference } from '../reference/reference';
import type { SigstoreKey } from './cosignSignature';
import { fetchSmallBlob } from './signatureSources';
import { MalformedSignature } from './signaturePayload';

type SigstoreVerify = typeof import('@sigstore/verify');
type SigstoreBundle = typeof import('@sigstore/bundle');

const BUNDLE_ARTIFACT_TYPE = /^application\/vnd\.dev\.sigstore\.bundle(?:\.v0\.[0-9]+)?\+json(?:;.*)?$/;
const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
const MAX_BUNDLES = 64;

export interface AttachedBundle {
  /** Where it was read: "REPO@sha256:… (referrer)". */
  source: string;
  bytes: Buffer;
}

/** The bundles referring to a manifest; an empty list when there are none. */
export async function readBundleReferrers(client: RegistryClient, ref: ImageReference, manifestDigest: string, signal?: AbortSignal): Promise<AttachedBundle[]> {
  const referrers = (await referrersIndex(client, ref, manifestDigest, signal)).filter((d) => BUNDLE_ARTIFACT_TYPE.test(d.artifactType ?? ''));
  const found: AttachedBundle[] = [];
  for (const entry of referrers.slice(0, MAX_BUNDLES)) {
    const display = `${ref.domain}/${ref.path}@${entry.digest}`;
    const fetched = await fetchManifest(client, { repository: ref.path, reference: entry.digest, display }, signal);
    if (fetched.kind !== 'manifest') continue;
    const manifest = fetched.manifest as ImageManifest & { subject?: Descriptor };
    if (manifest.subject?.digest !== manifestDigest) continue;
    const layer = (manifest.layers ?? []).find((l) => BUNDLE_ARTIFACT_TYPE.test(l.mediaType));
    if (!layer || !Number.isSafeInteger(layer.size) || layer.size > MAX_MANIFEST_BYTES) continue;
    found.push({ source: `${display} (referrer)`, bytes: await fetchSmallBlob(client, ref.path, layer.digest, layer.size, signal) });
  }
  return found;
}

async function referrersIndex(client: RegistryClient, ref: ImageReference, manifestDigest: string, signal?: AbortSignal): Promise<(Descriptor & { artifactType?: string })[]> {
  const res = await client.request({
    method: 'GET',
    url: `/v2/${ref.path}/referrers/${manifestDigest}`,
    headers: { accept: 'application/vnd.oci.image.index.v1+json' },
    scopes: [repositoryScope(ref.path, 'pull')],
    ...(signal ? { signal } : {}),
  });
  if (res.status === 200 && String(res.headers['content-type'] ?? '').startsWith('application/vnd.oci.image.index.v1+json')) {
    const text = await res.body.text();
    if (text.length > MAX_MANIFEST_BYTES) throw new StevedoreError('REGISTRY_ERROR', `The referrers list of ${manifestDigest} is larger than 4 MiB; refusing it.`);
    return ((JSON.parse(text) as ImageIndex).manifests ?? []) as (Descriptor & { artifactType?: string })[];
  }
  await res.body.dump().catch(() => undefined);
  // No referrers API (404, or a registry that answers something else): the tag schema.
  const tag = manifestDigest.replace(':', '-');
  try {
    const fetched = await fetchManifest(client, { repository: ref.path, reference: tag, display: `${ref.domain}/${ref.path}:${tag}` }, signal);
    return (fetched.kind === 'index' ? fetched.index.manifests : []) as (Descriptor & { artifactType?: string })[];
  } catch (err) {
    if (err instanceof StevedoreError && (err.code === 'MANIFEST_UNKNOWN' || err.code === 'IMAGE_NOT_FOUND' || err.code === 'NAME_UNKNOWN')) return [];
    throw err;
  }
}

export interface VerifiedBundle {
  /** The key that verified it. */
  key: SigstoreKey;
  /** The in-toto subjects: names (may be empty) and their sha256 digests. */
  subjects: { name: string; sha256: string | undefined }[];
}

/**
 * Verifies a bundle's signature with each key in turn; throws MalformedSignature for a bundle
 * that cannot be read and returns undefined when no key verifies it.
 */
export function verifyBundle(bytes: Buffer, keys: readonly SigstoreKey[]): VerifiedBundle | undefined {
  // Through require(), as openpgp is: loaded on first use, CommonJS builds.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sigstore = require('@sigstore/verify') as SigstoreVerify;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const bundles = require('@sigstore/bundle') as SigstoreBundle;
  let bundle: ReturnType<SigstoreBundle['bundleFromJSON']>;
  try {
    bundle = bundles.bundleFromJSON(JSON.parse(bytes.toString('utf8')));
  } catch (err) {
    throw new MalformedSignature(`not a Sigstore bundle (${(err as Error).message})`);
  }
  if (bundle.content.$case !== 'dsseEnvelope') throw new MalformedSignature('the bundle holds a message signature, not a DSSE envelope of an in-toto statement');
  const envelope = bundle.content.dsseEnvelope;
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) throw new MalformedSignature(`the bundle's payload type is ${envelope.payloadType}, not ${IN_TOTO_PAYLOAD_TYPE}`);
  let entity: ReturnType<SigstoreVerify['toSignedEntity']>;
  try {
    entity = sigstore.toSignedEntity(bundle);
  } catch (err) {
    throw new MalformedSignature(`the bundle cannot be read (${(err as Error).message})`);
  }
  if (entity.key.$case !== 'public-key') throw new MalformedSignature('the bundle is signed with a certificate (keyless); only public-key bundles are verified');
  const subjects = statementSubjects(envelope.payload);
  for (const key of keys) {
    const trust = sigstore.toTrustMaterial({ mediaType: '', tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [] }, () => ({ publicKey: key.key, validFor: () => true }));
    // Key-based verification: there is no log or timestamp authority to count.
    const verifier = new sigstore.Verifier(trust, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 });
    try {
      verifier.verify(entity);
      return { key, subjects };
    } catch {
      // Not this key; try the next.
    }
  }
  return undefined;
}

function statementSubjects(payload: Buffer): VerifiedBundle['subjects'] {
  let statement: unknown;
  try {
    statement = JSON.parse(payload.toString('utf8'));
  } catch {
    throw new MalformedSignature('the in-toto statement is not JSON');
  }
  const subjects = (statement as { subject?: unknown }).subject;
  if (!Array.isArray(subjects) || subjects.length === 0) throw new MalformedSignature('the in-toto statement has no subject');
  return subjects.map((s: { name?: unknown; digest?: { sha256?: unknown } }) => ({
    name: typeof s?.name === 'string' ? s.name : '',
    sha256: typeof s?.digest?.sha256 === 'string' ? s.digest.sha256 : undefined,
  }));
}

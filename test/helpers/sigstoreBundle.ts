// A Sigstore bundle made by Sigstore's own signing library (@sigstore/sign, DSSE over an in-toto
// statement whose subject is the image's manifest digest) with a local key — no Fulcio or Rekor,
// there is no internet — and attached to the image as an OCI 1.1 referrer. Debian's
// docker-registry (distribution 2.8) has no referrers API, so the tag-schema fallback index
// `sha256-<hex>` is written as well, as the OCI 1.1 spec tells clients to.

import { sign, type KeyObject } from 'node:crypto';
import { bundleToJSON } from '@sigstore/bundle';
import { DSSEBundleBuilder } from '@sigstore/sign';
import { digestOf, uploadBlob } from './registryUpload';

export const BUNDLE_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';

export async function makeBundle(privateKey: KeyObject, publicKeyPem: string, subjectName: string, manifestDigest: string): Promise<Buffer> {
  const statement = {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: subjectName, digest: { sha256: manifestDigest.replace(/^sha256:/, '') } }],
    predicateType: 'https://sigstore.dev/cosign/sign/v1',
    predicate: {},
  };
  const builder = new DSSEBundleBuilder({
    signer: { sign: async (data: Buffer) => ({ signature: sign('sha256', data, privateKey), key: { $case: 'publicKey', publicKey: publicKeyPem, hint: 'stevedore-test' } }) },
    witnesses: [],
  });
  const bundle = await builder.create({ data: Buffer.from(JSON.stringify(statement)), type: 'application/vnd.in-toto+json' });
  return Buffer.from(JSON.stringify(bundleToJSON(bundle)));
}

/** Pushes the bundle as a referrer of `subject` and records it in the fallback tag index. */
export async function attachBundleReferrer(url: string, repository: string, subject: { mediaType: string; digest: string; size: number }, bundle: Buffer): Promise<void> {
  const empty = Buffer.from('{}');
  await uploadBlob(url, repository, empty);
  await uploadBlob(url, repository, bundle);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: BUNDLE_TYPE,
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: digestOf(empty), size: 2 },
      layers: [{ mediaType: BUNDLE_TYPE, digest: digestOf(bundle), size: bundle.length }],
      subject,
    }),
  );
  await putManifest(url, repository, digestOf(manifest), manifest, 'application/vnd.oci.image.manifest.v1+json');
  const tag = subject.digest.replace(':', '-');
  const existing = await fetch(`${url}/v2/${repository}/manifests/${tag}`, { headers: { accept: 'application/vnd.oci.image.index.v1+json' } });
  const index: { manifests: unknown[] } = existing.status === 200 ? ((await existing.json()) as { manifests: unknown[] }) : { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [] } as { manifests: unknown[] };
  index.manifests.push({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: digestOf(manifest), size: manifest.length, artifactType: BUNDLE_TYPE });
  await putManifest(url, repository, tag, Buffer.from(JSON.stringify(index)), 'application/vnd.oci.image.index.v1+json');
}

async function putManifest(url: string, repository: string, reference: string, bytes: Buffer, mediaType: string): Promise<void> {
  const res = await fetch(`${url}/v2/${repository}/manifests/${reference}`, { method: 'PUT', headers: { 'content-type': mediaType }, body: bytes });
  if (res.status !== 201) throw new Error(`putting ${reference} failed: ${res.status} ${await res.text()}`);
}

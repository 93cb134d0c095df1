// Attaches a cosign-style signature to an image in a registry, as `cosign sign --key` lays it out:
// the tag sha256-<hex>.sig holding an OCI manifest whose layer is the simple-signing payload, with
// the base64 signature (ECDSA P-256, SHA-256, over the payload) in the layer's
// dev.cosignproject.cosign/signature annotation. Signed with Node's crypto: cosign itself is not
// packaged for Debian, and there is no internet for Fulcio or Rekor.

import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { digestOf, uploadBlob } from './registryUpload';

export interface CosignKeys {
  privateKey: KeyObject;
  /** PEM, as cosign.pub holds it. */
  publicKeyPem: string;
}

export function makeCosignKeys(): CosignKeys {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

export function cosignPayload(dockerReference: string, manifestDigest: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      critical: { identity: { 'docker-reference': dockerReference }, image: { 'docker-manifest-digest': manifestDigest }, type: 'cosign container image signature' },
      optional: null,
    }),
  );
}

/** Uploads the payload and a manifest under sha256-<hex>.sig in `repository` of the registry at `url`. */
export async function attachCosignSignature(url: string, repository: string, manifestDigest: string, payload: Buffer, privateKey: KeyObject): Promise<void> {
  const signature = sign('sha256', payload, privateKey).toString('base64');
  const config = Buffer.from(JSON.stringify({ architecture: '', os: '', rootfs: { type: 'layers', diff_ids: [digestOf(payload)] }, config: {} }));
  await uploadBlob(url, repository, payload);
  await uploadBlob(url, repository, config);
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', size: config.length, digest: digestOf(config) },
    layers: [{ mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json', size: payload.length, digest: digestOf(payload), annotations: { 'dev.cosignproject.cosign/signature': signature } }],
  };
  const tag = `${manifestDigest.replace(':', '-')}.sig`;
  const res = await fetch(`${url}/v2/${repository}/manifests/${tag}`, { method: 'PUT', headers: { 'content-type': manifest.mediaType }, body: JSON.stringify(manifest) });
  if (res.status !== 201) throw new Error(`putting ${tag} failed: ${res.status} ${await res.text()}`);
}

// Fetching and putting manifests. A manifest fetched by tag is identified by the digest of the
// bytes received, never by the Docker-Content-Digest header (which some registries get wrong);
// one fetched by digest must hash to that digest. Manifests are capped at 4 MiB, as containerd
// and go-containerregistry cap them, so a hostile registry cannot make us buffer a huge body.

import { createHash } from 'node:crypto';
import { sha256Digest, tryParseDigest } from '../digest';
import { StevedoreError } from '../errors';
import { decodeImageDocument, type ImageDocument } from '../image/imageDocuments';
import { MediaType } from '../image/mediaTypes';
import { repositoryScope } from './bearerTokens';
import type { RegistryClient } from './registryClient';

export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** What we can read, best first; schema 1 is listed only so that we can name it in the error. */
const ACCEPT = [
  MediaType.ociIndex,
  MediaType.dockerManifestList,
  MediaType.ociManifest,
  MediaType.dockerManifest,
  MediaType.dockerManifestV1Signed,
  MediaType.dockerManifestV1,
].join(', ');

/** The bytes as received, their digest, and the decoded document (an index or an image manifest). */
export type FetchedManifest = { bytes: Buffer; digest: string } & ImageDocument;

export interface ManifestTarget {
  /** Repository path inside the registry: "library/redis". */
  repository: string;
  /** A tag or a digest. */
  reference: string;
  /** How to name it in messages: "localhost:5000/app:1.0". */
  display: string;
}

export async function fetchManifest(client: RegistryClient, target: ManifestTarget, signal?: AbortSignal): Promise<FetchedManifest> {
  const res = await client.request({
    method: 'GET',
    url: `/v2/${target.repository}/manifests/${target.reference}`,
    headers: { accept: ACCEPT },
    scopes: [repositoryScope(target.repository, 'pull')],
    ...(signal ? { signal } : {}),
  });
  if (res.status !== 200) throw await client.errorFrom(res, `manifest for ${target.display}`);
  const declared = Number(res.headers['content-length'] ?? NaN);
  if (declared > MAX_MANIFEST_BYTES) {
    await res.body.dump().catch(() => undefined);
    throw tooBig(target.display);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of res.body) {
    total += (chunk as Buffer).length;
    if (total > MAX_MANIFEST_BYTES) {
      res.body.destroy();
      throw tooBig(target.display);
    }
    chunks.push(chunk as Buffer);
  }
  const bytes = Buffer.concat(chunks);
  const digest = sha256Digest(bytes);
  const wanted = tryParseDigest(target.reference);
  if (wanted) {
    const actual = wanted.algorithm === 'sha256' ? digest : `${wanted.algorithm}:${createHash(wanted.algorithm).update(bytes).digest('hex')}`;
    if (actual !== target.reference) {
      throw new StevedoreError('DIGEST_MISMATCH', `The registry sent a manifest for ${target.display} that does not match the digest asked for (it hashes to ${actual}). Nothing was stored; the registry or a proxy is corrupting data.`);
    }
  }
  const contentType = String(res.headers['content-type'] ?? '').split(';')[0]!.trim();
  return { bytes, digest: wanted ? target.reference : digest, ...parseManifest(bytes, contentType, target.display) };
}

/** Decodes a manifest, settling its media type from the header or the document. */
export function parseManifest(bytes: Buffer, contentType: string, display: string): ImageDocument {
  return decodeImageDocument(bytes, { what: `The manifest for ${display}`, code: 'REGISTRY_ERROR' }, contentType || undefined);
}

/**
 * Whether the registry serves exactly `digest` (of `size` bytes) under `reference`, from a HEAD:
 * no body, and Docker Hub does not count it as a pull. Push asks it beside its blob checks, so
 * that a manifest the tag names already is not PUT again (go-containerregistry skips it too). Any
 * answer short of a match (an error, no digest header, another digest) is false: the PUT decides.
 * Asked with push's scope, so a token registry needs no second token.
 */
export async function servesManifest(client: RegistryClient, repository: string, reference: string, digest: string, size: number, signal?: AbortSignal): Promise<boolean> {
  try {
    const res = await client.request({
      method: 'HEAD',
      url: `/v2/${repository}/manifests/${reference}`,
      // Asked of the registry itself, not of a cache in front of it that may still hold the tag's old answer.
      headers: { accept: ACCEPT, 'cache-control': 'no-cache' },
      scopes: [repositoryScope(repository, 'pull,push')],
      ...(signal ? { signal } : {}),
    });
    await res.body.dump().catch(() => undefined);
    return res.status === 200 && res.headers['docker-content-digest'] === digest && res.headers['content-length'] === String(size);
  } catch (err) {
    if (signal?.aborted) throw err;
    return false;
  }
}

/** PUTs a manifest under a tag or digest; returns the digest, checked against what the registry says. */
export async function putManifest(client: RegistryClient, repository: string, reference: string, bytes: Buffer, mediaType: string, signal?: AbortSignal): Promise<string> {
  const digest = sha256Digest(bytes);
  const res = await client.request({
    method: 'PUT',
    url: `/v2/${repository}/manifests/${reference}`,
    headers: { 'content-type': mediaType },
    body: () => bytes,
    scopes: [repositoryScope(repository, 'pull,push')],
    ...(signal ? { signal } : {}),
  });
  if (res.status !== 201 && res.status !== 200 && res.status !== 202) throw await client.errorFrom(res, `the manifest of ${client.domain}/${repository}:${reference}`);
  await res.body.dump().catch(() => undefined);
  return digest;
}

function tooBig(display: string): StevedoreError {
  return new StevedoreError('REGISTRY_ERROR', `The manifest for ${display} is larger than ${MAX_MANIFEST_BYTES / 1024 / 1024} MiB, more than any real image needs; refusing it.`);
}

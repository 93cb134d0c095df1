// What a tag in a registry points at, for browsing without pulling: the digest the registry serves
// it under and, per platform, the manifest digest. A multi-platform tag lists its index entries; a
// single-platform tag's platform is read from its config blob (a few kilobytes, digest-checked).

import { sha256Digest } from '../digest';
import { StevedoreError } from '../errors';
import { decodeJsonObject } from '../image/imageDocuments';
import { isIndexMediaType, MediaType } from '../image/mediaTypes';
import { formatPlatform } from '../image/platform';
import type { ImageConfig } from '../image/types';
import { repositoryScope } from './bearerTokens';
import { fetchManifest } from './manifests';
import { isImageEntry } from './platformSelect';
import type { RegistryClient } from './registryClient';

export interface RemotePlatformManifest {
  /** "linux/amd64", "linux/arm64/v8"; "unknown" when the registry does not say. */
  platform: string;
  digest: string;
  size: number;
  mediaType: string;
}

export interface RemoteTag {
  repository: string;
  tag: string;
  /** The digest of what the tag points at (an index for a multi-platform image). */
  digest: string;
  mediaType: string;
  multiPlatform: boolean;
  platforms: RemotePlatformManifest[];
}

/**
 * Whether a tag is multi-platform and, if so, which platforms it offers, at the cost of a HEAD
 * (which Docker Hub does not count against its pull limit) plus a GET only for an index.
 */
export async function remotePlatforms(client: RegistryClient, repository: string, reference: string, signal?: AbortSignal): Promise<RemotePlatformManifest[] | undefined> {
  const res = await client.request({
    method: 'HEAD',
    url: `/v2/${repository}/manifests/${reference}`,
    headers: { accept: [MediaType.ociIndex, MediaType.dockerManifestList, MediaType.ociManifest, MediaType.dockerManifest].join(', ') },
    scopes: [repositoryScope(repository, 'pull')],
    ...(signal ? { signal } : {}),
  });
  await res.body.dump().catch(() => undefined);
  const display = `${client.domain}/${repository}:${reference}`;
  if (res.status !== 200) {
    // HEAD answers carry no error body; a GET says what went wrong in words.
    await fetchManifest(client, { repository, reference, display }, signal);
    return undefined;
  }
  const contentType = String(res.headers['content-type'] ?? '').split(';')[0]!.trim();
  if (!isIndexMediaType(contentType)) return undefined;
  const top = await fetchManifest(client, { repository, reference, display }, signal);
  if (top.kind !== 'index') return undefined;
  return top.index.manifests.filter(isImageEntry).map((m) => ({
    platform: m.platform ? formatPlatform(m.platform) : 'unknown',
    digest: m.digest,
    size: m.size,
    mediaType: m.mediaType,
  }));
}

/** Config blobs are small JSON documents; refuse anything bigger than this. */
const MAX_CONFIG_BYTES = 8 * 1024 * 1024;

export async function describeRemoteTag(client: RegistryClient, repository: string, tag: string, signal?: AbortSignal): Promise<RemoteTag> {
  const display = `${client.domain}/${repository}:${tag}`;
  const top = await fetchManifest(client, { repository, reference: tag, display }, signal);
  if (top.kind === 'index') {
    const platforms = top.index.manifests.filter(isImageEntry).map((m) => ({
      platform: m.platform ? formatPlatform(m.platform) : 'unknown',
      digest: m.digest,
      size: m.size,
      mediaType: m.mediaType,
    }));
    return { repository, tag, digest: top.digest, mediaType: top.mediaType, multiPlatform: true, platforms };
  }
  const config = await fetchConfig(client, repository, top.manifest.config.digest, display, signal);
  const platform = config.os && config.architecture ? formatPlatform({ os: config.os, architecture: config.architecture, ...(config.variant ? { variant: config.variant } : {}) }) : 'unknown';
  return {
    repository,
    tag,
    digest: top.digest,
    mediaType: top.mediaType,
    multiPlatform: false,
    platforms: [{ platform, digest: top.digest, size: top.bytes.length, mediaType: top.mediaType }],
  };
}

async function fetchConfig(client: RegistryClient, repository: string, digest: string, display: string, signal?: AbortSignal): Promise<Partial<ImageConfig>> {
  const res = await client.request({ method: 'GET', url: `/v2/${repository}/blobs/${digest}`, scopes: [repositoryScope(repository, 'pull')], ...(signal ? { signal } : {}) });
  if (res.status !== 200) throw await client.errorFrom(res, `the config of ${display}`);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of res.body) {
    total += (chunk as Buffer).length;
    if (total > MAX_CONFIG_BYTES) {
      res.body.destroy();
      throw new StevedoreError('REGISTRY_ERROR', `The config of ${display} is larger than ${MAX_CONFIG_BYTES / 1024 / 1024} MiB; refusing it.`);
    }
    chunks.push(chunk as Buffer);
  }
  const bytes = Buffer.concat(chunks);
  if (digest.startsWith('sha256:') && sha256Digest(bytes) !== digest) {
    throw new StevedoreError('DIGEST_MISMATCH', `The registry sent a config for ${display} that does not match its digest ${digest}.`);
  }
  // Artifacts (signatures, charts) carry configs that are no image config: read, do not insist.
  return decodeJsonObject(bytes, { what: `The config of ${display}`, code: 'REGISTRY_ERROR' }) as Partial<ImageConfig>;
}

export interface RemoteImageDetails {
  /** The config's created time, as the image records it; undefined when it has none. */
  created?: string;
  /** Bytes of the compressed layers, as a pull would download them. */
  compressedSize: number;
}

/** Created time and compressed size of one image manifest (by digest or tag): the manifest, then its config. */
export async function remoteImageDetails(client: RegistryClient, repository: string, reference: string, signal?: AbortSignal): Promise<RemoteImageDetails> {
  const display = `${client.domain}/${repository}@${reference}`;
  const top = await fetchManifest(client, { repository, reference, display }, signal);
  if (top.kind === 'index') throw new StevedoreError('UNSUPPORTED', `${display} is a multi-platform index; ask for one of its platforms.`);
  const { manifest } = top;
  const config = await fetchConfig(client, repository, manifest.config.digest, display, signal);
  const compressedSize = manifest.layers.reduce((sum, l) => sum + l.size, 0);
  return { ...(typeof config.created === 'string' ? { created: config.created } : {}), compressedSize };
}

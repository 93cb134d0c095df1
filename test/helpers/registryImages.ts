// Images for registry tests, made in a store by code: a multi-platform index over two imported
// images, and an image whose layer is stored uncompressed (as an archive load may store it). Plus
// skopeo with a permissive policy file, for putting images into a registry and reading them back.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MediaType } from '../../src/core/image/mediaTypes';
import type { Descriptor, ImageConfig, ImageIndex, ImageManifest } from '../../src/core/image/types';
import type { ImageRecord, ImageStore } from '../../src/core/store/imageStore';
import { run, type CliResult } from './cli';
import { chunksOf, randomRootfs } from './fixtures';
import { importRootfs } from '../../src/core/image/importRootfs';
import { sha256Digest } from '../../src/core/digest';

export async function writePolicy(dir: string): Promise<string> {
  const policy = join(dir, 'policy.json');
  await writeFile(policy, JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }));
  return policy;
}

/** Runs skopeo with the permissive policy; plain-HTTP registries need --src/--dest-tls-verify=false. */
export function skopeo(policy: string, args: readonly string[]): Promise<CliResult> {
  return run('skopeo', ['--policy', policy, ...args]);
}

/** An OCI index with linux/amd64 and linux/arm64/v8 images, recorded in the store under `ref`. */
export async function addMultiPlatformImage(store: ImageStore, ref: string): Promise<{ index: ImageIndex; digest: string; platforms: Record<string, string> }> {
  const manifests: Descriptor[] = [];
  const platforms: Record<string, string> = {};
  for (const platform of [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64', variant: 'v8' }]) {
    const record = await importRootfs(store, { source: chunksOf(await randomRootfs(2, 5000)), sourceName: `${platform.architecture}.tar`, platform });
    manifests.push({ mediaType: MediaType.ociManifest, digest: record.manifestDigest, size: record.manifestSize, platform });
    platforms[`${platform.os}/${platform.architecture}`] = record.manifestDigest;
  }
  const index: ImageIndex = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests };
  const bytes = Buffer.from(JSON.stringify(index));
  const blob = await store.blobs.writeBytes(bytes);
  await store.addImage({ mediaType: MediaType.ociIndex, digest: blob.digest, size: blob.size }, [ref]);
  return { index, digest: blob.digest, platforms };
}

/** An image whose single layer is stored as a plain tar (media type …layer.v1.tar). */
export async function addUncompressedImage(store: ImageStore, ref: string): Promise<ImageRecord> {
  const tar = await randomRootfs(2, 30_000);
  const layer = await store.blobs.writeBytes(tar);
  const config: ImageConfig = {
    architecture: 'amd64',
    os: 'linux',
    created: new Date().toISOString(),
    rootfs: { type: 'layers', diff_ids: [sha256Digest(tar)] },
    history: [{ created_by: 'test: uncompressed layer' }],
  };
  const configBlob = await store.blobs.writeBytes(JSON.stringify(config));
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: MediaType.ociConfig, digest: configBlob.digest, size: configBlob.size },
    layers: [{ mediaType: MediaType.ociLayer, digest: layer.digest, size: layer.size }],
  };
  const manifestBlob = await store.blobs.writeBytes(JSON.stringify(manifest));
  return store.addImage({ mediaType: MediaType.ociManifest, digest: manifestBlob.digest, size: manifestBlob.size }, [ref]);
}

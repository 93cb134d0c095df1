// Image archives built by code, entry by entry, in each layout the tools in the field write:
// classic `docker save`, Docker 25+'s dual format with symlinks, podman/skopeo docker-archive,
// go-containerregistry's tarball, and OCI layouts. Builders return entry lists so that tests can
// reorder, drop or damage entries before packing them with makeTar.

import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { familiarName, formatReference, parseReference } from '../../src/core/reference/reference';
import { makeTar, type TarFile } from './fixtures';

export interface FixtureLayer {
  plain: Buffer;
  gz: Buffer;
  diffId: string;
  gzDigest: string;
}

export interface FixtureImage {
  /** Tags as people write them: "fixture/app:1". */
  tags: string[];
  layers: FixtureLayer[];
  config: Buffer;
  configDigest: string;
  /** OCI manifest with gzip layers, and with the uncompressed layers. */
  gzManifest: Buffer;
  plainManifest: Buffer;
}

export function sha256(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export function hexOf(digest: string): string {
  return digest.slice('sha256:'.length);
}

export async function fixtureImage(tags: string[], layerFiles: TarFile[][], options: { created?: string; cmd?: string[] } = {}): Promise<FixtureImage> {
  const layers: FixtureLayer[] = [];
  for (const files of layerFiles) {
    const plain = await makeTar(files);
    const gz = gzipSync(plain);
    layers.push({ plain, gz, diffId: sha256(plain), gzDigest: sha256(gz) });
  }
  const created = options.created ?? '2024-01-02T03:04:05Z';
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created,
      config: { Cmd: options.cmd ?? ['/bin/sh'] },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
      history: layers.map((_, i) => ({ created, created_by: `layer ${i}` })),
    }),
  );
  const manifest = (gzip: boolean): Buffer =>
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
        layers: layers.map((l) =>
          gzip
            ? { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: l.gzDigest, size: l.gz.length }
            : { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: l.diffId, size: l.plain.length },
        ),
      }),
    );
  return { tags, layers, config, configDigest: sha256(config), gzManifest: manifest(true), plainManifest: manifest(false) };
}

/** A small image with a couple of distinct layers. */
export async function smallImage(tags: string[], seed: string): Promise<FixtureImage> {
  return fixtureImage(tags, [
    [{ name: 'etc/', type: 'directory' }, { name: 'etc/seed', content: `${seed}\n` }, { name: 'etc/data', content: Buffer.alloc(20_000, seed) }],
    [{ name: 'app/', type: 'directory' }, { name: 'app/run', content: `#!/bin/sh\necho ${seed}\n`, mode: 0o755 }],
  ]);
}

export function fullRef(tag: string): string {
  return formatReference(parseReference(tag));
}

function tagOf(tag: string): string {
  return parseReference(tag).tag ?? 'latest';
}

/** A v1 layer ID like docker save's: any stable 64-hex value works for loaders. */
function v1Id(image: FixtureImage, index: number): string {
  return hexOf(sha256(`${image.configDigest}/${index}`));
}

function repositories(images: readonly FixtureImage[], id: (image: FixtureImage) => string): TarFile {
  const repos: Record<string, Record<string, string>> = {};
  for (const image of images) {
    for (const tag of image.tags) {
      const ref = parseReference(tag);
      (repos[familiarName(ref)] ??= {})[ref.tag ?? 'latest'] = id(image);
    }
  }
  return { name: 'repositories', content: JSON.stringify(repos) };
}

/** Classic docker save (before 25): <v1 id>/{VERSION,json,layer.tar}, <config hex>.json, manifest.json, repositories. */
export function classicDockerEntries(images: readonly FixtureImage[]): TarFile[] {
  const entries: TarFile[] = [];
  const items = images.map((image) => {
    const layerPaths = image.layers.map((layer, i) => {
      const id = v1Id(image, i);
      entries.push({ name: `${id}/`, type: 'directory' }, { name: `${id}/VERSION`, content: '1.0' }, { name: `${id}/json`, content: JSON.stringify({ id }) }, { name: `${id}/layer.tar`, content: layer.plain });
      return `${id}/layer.tar`;
    });
    entries.push({ name: `${hexOf(image.configDigest)}.json`, content: image.config });
    return { Config: `${hexOf(image.configDigest)}.json`, RepoTags: image.tags.length ? image.tags : null, Layers: layerPaths };
  });
  entries.push({ name: 'manifest.json', content: JSON.stringify(items) }, repositories(images, (img) => v1Id(img, img.layers.length - 1)));
  return entries;
}

/**
 * Docker 25+: an OCI layout with uncompressed layer blobs, index.json naming each tag with both
 * annotations, manifest.json, and legacy <v1 id>/layer.tar symlinks into blobs/. With
 * `manifestNames: 'symlinks'`, manifest.json names the symlinks, so the loader must follow them.
 */
export function docker25Entries(images: readonly FixtureImage[], options: { manifestNames?: 'blobs' | 'symlinks' } = {}): TarFile[] {
  const blobs = new Map<string, Buffer>();
  const links: TarFile[] = [];
  const index = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [] as unknown[] };
  const items = images.map((image) => {
    blobs.set(image.configDigest, image.config);
    blobs.set(sha256(image.plainManifest), image.plainManifest);
    const layerPaths = image.layers.map((layer, i) => {
      blobs.set(layer.diffId, layer.plain);
      const id = v1Id(image, i);
      links.push({ name: `${id}/`, type: 'directory' }, { name: `${id}/layer.tar`, type: 'symlink', linkname: `../blobs/sha256/${hexOf(layer.diffId)}` });
      return options.manifestNames === 'symlinks' ? `${id}/layer.tar` : `blobs/sha256/${hexOf(layer.diffId)}`;
    });
    for (const tag of image.tags) {
      index.manifests.push({
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: sha256(image.plainManifest),
        size: image.plainManifest.length,
        annotations: { 'io.containerd.image.name': fullRef(tag), 'org.opencontainers.image.ref.name': tagOf(tag) },
      });
    }
    return { Config: `blobs/sha256/${hexOf(image.configDigest)}`, RepoTags: image.tags, Layers: layerPaths };
  });
  return [
    { name: 'blobs/', type: 'directory' },
    { name: 'blobs/sha256/', type: 'directory' },
    ...[...blobs].map(([digest, content]) => ({ name: `blobs/sha256/${hexOf(digest)}`, content })),
    ...links,
    { name: 'index.json', content: JSON.stringify(index) },
    { name: 'manifest.json', content: JSON.stringify(items) },
    { name: 'oci-layout', content: '{"imageLayoutVersion":"1.0.0"}' },
    repositories(images, (img) => hexOf(img.layers[img.layers.length - 1]!.diffId)),
  ];
}

/** podman save / skopeo docker-archive: <diffID hex>.tar, <config hex>.json, legacy symlinks, full names in RepoTags. */
export function containersArchiveEntries(images: readonly FixtureImage[]): TarFile[] {
  const entries: TarFile[] = [];
  const items = images.map((image) => {
    const layerPaths = image.layers.map((layer, i) => {
      const file = `${hexOf(layer.diffId)}.tar`;
      if (!entries.some((e) => e.name === file)) entries.push({ name: file, content: layer.plain });
      const id = v1Id(image, i);
      entries.push({ name: `${id}/layer.tar`, type: 'symlink', linkname: `../${file}` }, { name: `${id}/VERSION`, content: '1.0' }, { name: `${id}/json`, content: '{}' });
      return file;
    });
    entries.push({ name: `${hexOf(image.configDigest)}.json`, content: image.config });
    return { Config: `${hexOf(image.configDigest)}.json`, RepoTags: image.tags.map(fullRef), Layers: layerPaths };
  });
  entries.push({ name: 'manifest.json', content: JSON.stringify(items) }, repositories(images, (img) => v1Id(img, img.layers.length - 1)));
  return entries;
}

/** go-containerregistry's tarball: gzip layers as <digest hex>.tar.gz and the config as sha256:<hex>. */
export function ggcrEntries(images: readonly FixtureImage[]): TarFile[] {
  const entries: TarFile[] = [];
  const items = images.map((image) => {
    entries.push({ name: image.configDigest, content: image.config });
    const layerPaths = image.layers.map((layer) => {
      entries.push({ name: `${hexOf(layer.gzDigest)}.tar.gz`, content: layer.gz });
      return `${hexOf(layer.gzDigest)}.tar.gz`;
    });
    return { Config: image.configDigest, RepoTags: image.tags, Layers: layerPaths };
  });
  return [{ name: 'manifest.json', content: JSON.stringify(items) }, ...entries];
}

export type OciNaming = 'containerd' | 'ref-name' | 'tag-only' | 'none';

/** An OCI image layout (podman/skopeo oci-archive) with gzip layers, named as `naming` says. */
export function ociLayoutEntries(images: readonly FixtureImage[], naming: OciNaming = 'ref-name'): TarFile[] {
  const blobs = new Map<string, Buffer>();
  const manifests: unknown[] = [];
  for (const image of images) {
    blobs.set(image.configDigest, image.config);
    blobs.set(sha256(image.gzManifest), image.gzManifest);
    for (const layer of image.layers) blobs.set(layer.gzDigest, layer.gz);
    const descriptor = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha256(image.gzManifest), size: image.gzManifest.length };
    if (naming === 'none' || image.tags.length === 0) manifests.push(descriptor);
    for (const tag of naming === 'none' ? [] : image.tags) {
      const annotations =
        naming === 'containerd' ? { 'io.containerd.image.name': fullRef(tag), 'org.opencontainers.image.ref.name': tagOf(tag) }
        : naming === 'tag-only' ? { 'org.opencontainers.image.ref.name': tagOf(tag) }
        : { 'org.opencontainers.image.ref.name': tag };
      manifests.push({ ...descriptor, annotations });
    }
  }
  return [
    { name: 'oci-layout', content: '{"imageLayoutVersion":"1.0.0"}' },
    { name: 'index.json', content: JSON.stringify({ schemaVersion: 2, manifests }) },
    ...[...blobs].map(([digest, content]) => ({ name: `blobs/sha256/${hexOf(digest)}`, content })),
  ];
}

/** An OCI layout whose index.json names a multi-platform index; only the host's platform is present. */
export function multiPlatformEntries(image: FixtureImage, tag: string): TarFile[] {
  const manifest = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha256(image.gzManifest), size: image.gzManifest.length };
  const missingArm = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha256('not in the archive'), size: 100, platform: { architecture: 'arm64', os: 'linux', variant: 'v8' } };
  const nested = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [missingArm, { ...manifest, platform: { architecture: 'amd64', os: 'linux' } }] }));
  const top = { schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.index.v1+json', digest: sha256(nested), size: nested.length, annotations: { 'org.opencontainers.image.ref.name': tag } }] };
  const blobs = new Map<string, Buffer>([[sha256(nested), nested], [sha256(image.gzManifest), image.gzManifest], [image.configDigest, image.config], ...image.layers.map((l) => [l.gzDigest, l.gz] as [string, Buffer])]);
  return [
    { name: 'oci-layout', content: '{"imageLayoutVersion":"1.0.0"}' },
    { name: 'index.json', content: JSON.stringify(top) },
    ...[...blobs].map(([digest, content]) => ({ name: `blobs/sha256/${hexOf(digest)}`, content })),
  ];
}

/** Moves the named entries to the end, as writers that emit manifest.json last do. */
export function moveToEnd(entries: readonly TarFile[], ...names: string[]): TarFile[] {
  return [...entries.filter((e) => !names.includes(e.name)), ...entries.filter((e) => names.includes(e.name))];
}

export async function tarOf(entries: readonly TarFile[]): Promise<Buffer> {
  return makeTar(entries);
}

// Multi-layer images made by code for the layer-analysis tests: each layer is a tar built entry by
// entry (whiteouts, opaque markers, links, devices, owners…), stored gzip-compressed or plain, with
// a config whose diffIDs and history match — or deliberately do not, to test verification.

import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { MediaType } from '../../src/core/image/mediaTypes';
import type { Descriptor, HistoryEntry, ImageConfig, ImageManifest } from '../../src/core/image/types';
import { formatReference, parseReference } from '../../src/core/reference/reference';
import type { ImageRecord, ImageStore } from '../../src/core/store/imageStore';
import { makeTar, type TarFile } from './fixtures';

/** One tar entry; the shared fixture builder writes them (owners, devices and every type included). */
export type TarEntry = TarFile;

/** A tar of `entries` in the given order (see makeTar). */
export const layerTar = makeTar;

/**
 * A ustar tar of many regular files and directories, written directly: tar-stream's packer takes
 * seconds for 100,000 entries, this takes milliseconds. Names must fit the 100-byte name field.
 */
export function bulkTar(entries: readonly { name: string; content?: string }[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const dir = e.name.endsWith('/');
    const data = Buffer.from(e.content ?? '');
    const header = Buffer.alloc(512);
    header.write(e.name, 0, 100, 'utf8');
    header.write(`${(dir ? 0o755 : 0o644).toString(8).padStart(7, '0')}\0`, 100, 'ascii');
    header.write('0000000\0', 108, 'ascii');
    header.write('0000000\0', 116, 'ascii');
    header.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124, 'ascii');
    header.write('00000000000\0', 136, 'ascii');
    header.write('        ', 148, 'ascii');
    header.write(dir ? '5' : '0', 156, 'ascii');
    header.write('ustar\0', 257, 'ascii');
    header.write('00', 263, 'ascii');
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
    blocks.push(header);
    if (data.length > 0) blocks.push(data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

export interface LayerSpec {
  /** The layer's uncompressed tar; or `blob` to store exact bytes (a broken layer) as the layer. */
  tar?: Buffer;
  blob?: Buffer;
  /** How the tar is stored (default gzip). */
  compression?: 'gzip' | 'none';
  createdBy?: string;
}

export interface LayeredImageOptions {
  /** History steps that made no layer, inserted before the layer of the same index. */
  emptySteps?: Record<number, string>;
  /** Replaces the diffIDs the config lists (to make a config that lies). */
  diffIds?: string[];
}

export function sha256(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** Stores an image made of `layers` (bottom first) under `reference`, the way an import or pull would. */
export async function storeLayeredImage(store: ImageStore, layers: readonly LayerSpec[], reference: string, options: LayeredImageOptions = {}): Promise<ImageRecord> {
  return store.leases.with(async (lease) => {
    const descriptors: Descriptor[] = [];
    const diffIds: string[] = [];
    const history: HistoryEntry[] = [];
    for (const [index, layer] of layers.entries()) {
      const plain = layer.tar ?? layer.blob ?? Buffer.alloc(0);
      const gzip = layer.compression !== 'none';
      const bytes = layer.blob ?? (gzip ? gzipSync(plain) : plain);
      const blob = await store.blobs.writeBytes(bytes, {}, lease);
      descriptors.push({ mediaType: gzip ? MediaType.ociLayerGzip : MediaType.ociLayer, digest: blob.digest, size: blob.size });
      diffIds.push(sha256(plain));
      const empty = options.emptySteps?.[index];
      if (empty !== undefined) history.push({ created: '2024-01-01T00:00:00Z', created_by: empty, empty_layer: true });
      history.push({ created: '2024-01-01T00:00:00Z', created_by: layer.createdBy ?? `layer ${index}` });
    }
    const config: ImageConfig = {
      architecture: 'amd64',
      os: 'linux',
      created: '2024-01-01T00:00:00Z',
      config: {},
      rootfs: { type: 'layers', diff_ids: options.diffIds ?? diffIds },
      history,
    };
    const configBlob = await store.blobs.writeBytes(JSON.stringify(config), {}, lease);
    const manifest: ImageManifest = {
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, digest: configBlob.digest, size: configBlob.size },
      layers: descriptors,
    };
    const manifestBlob = await store.blobs.writeBytes(JSON.stringify(manifest), {}, lease);
    const ref = formatReference(parseReference(reference));
    return store.addImage({ mediaType: MediaType.ociManifest, digest: manifestBlob.digest, size: manifestBlob.size }, [ref]);
  });
}

/** The three-layer image of the analysis tests; its statuses, sizes and scores are worked out by hand in the tests. */
export async function exampleLayers(): Promise<LayerSpec[]> {
  const bytes = (n: number, fill: string): string => fill.repeat(n);
  const base = await layerTar([
    { name: 'etc/', type: 'directory' },
    { name: 'etc/passwd', content: 'root:x:0:0\n' },
    { name: 'etc/os-release', content: bytes(25, 'o') },
    { name: 'etc/hosts', content: bytes(100, 'h') },
    { name: 'etc/conf.d/', type: 'directory' },
    { name: 'etc/conf.d/a.conf', content: bytes(10, 'a') },
    { name: 'etc/conf.d/b.conf', content: bytes(20, 'b') },
    { name: 'usr/', type: 'directory' },
    { name: 'usr/bin/', type: 'directory' },
    { name: 'usr/bin/tool', content: bytes(1000, 't'), mode: 0o755 },
    { name: 'usr/bin/tool-link', type: 'link', linkname: 'usr/bin/tool' },
    { name: 'usr/bin/sh', type: 'symlink', linkname: 'tool', mode: 0o777 },
    { name: 'var/', type: 'directory' },
    { name: 'var/cache/', type: 'directory' },
    { name: 'var/cache/big.bin', content: bytes(5000, 'B') },
    { name: 'opt/', type: 'directory' },
    { name: 'opt/keep.txt', content: bytes(7, 'k') },
  ]);
  const second = await layerTar([
    { name: 'etc/', type: 'directory' },
    { name: 'etc/hosts', content: bytes(150, 'H') },
    { name: 'etc/passwd', content: 'root:x:0:0\n' },
    { name: 'etc/conf.d/', type: 'directory' },
    // The marker comes after c.conf on purpose: it hides lower files only, wherever it is.
    { name: 'etc/conf.d/c.conf', content: bytes(30, 'c') },
    { name: 'etc/conf.d/.wh..wh..opq' },
    { name: 'var/cache/.wh.big.bin' },
    { name: 'usr/bin/sh', type: 'symlink', linkname: 'busybox', mode: 0o777 },
    { name: 'home/user/notes.txt', content: bytes(40, 'n') },
  ]);
  const third = await layerTar([
    { name: '.wh.opt' },
    { name: 'etc/hosts', content: bytes(150, 'H'), mode: 0o600 },
    { name: 'usr/bin/tool', content: bytes(1000, 't'), mode: 0o755, uid: 1000 },
    { name: 'tmp/', type: 'directory', mode: 0o1777 },
  ]);
  return [
    { tar: base, createdBy: 'ADD rootfs.tar /' },
    { tar: second, createdBy: 'RUN configure', compression: 'none' },
    { tar: third, createdBy: 'RUN tidy' },
  ];
}

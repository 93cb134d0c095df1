// Test fixtures made by code: temporary stores, tars built in memory, random images.

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar-stream';
import { importRootfs } from '../../src/core/image/importRootfs';
import type { ImageRecord, ImageStore } from '../../src/core/store/imageStore';
import { FileImageStore } from '../../src/core/store/fileImageStore';

export async function tempDir(prefix = 'stevedore-test-'): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

export interface TarFile {
  name: string;
  content?: string | Buffer;
  type?: tar.Header['type'];
  linkname?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  devmajor?: number;
  devminor?: number;
}

/** A tar of `files` in the given order; a directory's mode defaults to 0755, anything else's to 0644. */
export async function makeTar(files: readonly TarFile[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    pack.on('data', (c: unknown) => chunks.push(c as Buffer));
    pack.on('end', () => resolve());
    pack.on('error', reject);
  });
  for (const f of files) {
    const type = f.type ?? 'file';
    const header: Partial<tar.Header> & { name: string } = {
      name: f.name,
      type,
      mode: f.mode ?? (type === 'directory' ? 0o755 : 0o644),
      mtime: new Date(0),
      uid: f.uid ?? 0,
      gid: f.gid ?? 0,
    };
    if (f.linkname !== undefined) header.linkname = f.linkname;
    if (f.devmajor !== undefined) header.devmajor = f.devmajor;
    if (f.devminor !== undefined) header.devminor = f.devminor;
    if (type === 'file') pack.entry(header, f.content ?? '');
    else pack.entry(header);
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** A small root filesystem with some random content, so each call makes a distinct layer. */
export async function randomRootfs(files = 3, bytes = 1024): Promise<Buffer> {
  const entries: TarFile[] = [{ name: 'etc/', type: 'directory' }];
  for (let i = 0; i < files; i++) entries.push({ name: `etc/file${i}`, content: randomBytes(bytes) });
  return makeTar(entries);
}

export async function* chunksOf(data: Buffer, size = 16 * 1024): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

export async function importBuffer(store: ImageStore, data: Buffer, reference?: string, extra: { changes?: string[]; message?: string; created?: Date } = {}): Promise<ImageRecord> {
  return importRootfs(store, { source: chunksOf(data), sourceName: 'test.tar', ...(reference ? { reference } : {}), ...extra });
}

export function gzip(data: Buffer): Buffer {
  return gzipSync(data);
}

export async function openTempStore(): Promise<{ store: ImageStore; dir: string; cleanup: () => Promise<void> }> {
  const { path, cleanup } = await tempDir();
  const store = await FileImageStore.open(join(path, 'store'));
  return { store, dir: path, cleanup };
}

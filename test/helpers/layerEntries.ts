// A layer's entries as facts to compare file by file: path, type, mode, owner, size, content hash
// and link target (times are left out: they differ between any two runs). Reads layer tars out of
// `docker save` archives and out of a Stevedore store.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import * as tar from 'tar-stream';
import { PaxXattrTap } from '../../src/core/archive/paxXattrs';

export interface EntryFacts {
  path: string;
  type: string;
  mode: string;
  owner: string;
  size: number;
  sha256?: string;
  link?: string;
}

/** Every entry of a plain or gzip tar, as facts, sorted by path. */
export async function layerFacts(layer: Buffer): Promise<EntryFacts[]> {
  const plain = layer[0] === 0x1f && layer[1] === 0x8b ? gunzipSync(layer) : layer;
  const out: EntryFacts[] = [];
  for (const { header, body } of await tarFiles(plain)) {
    const facts: EntryFacts = {
      path: header.name.replace(/^\.?\//, '').replace(/\/$/, ''),
      type: header.type ?? 'file',
      mode: ((header.mode ?? 0) & 0o7777).toString(8),
      owner: `${header.uid ?? 0}:${header.gid ?? 0}`,
      size: header.type === 'file' ? body.length : 0,
    };
    if (header.type === 'file') facts.sha256 = createHash('sha256').update(body).digest('hex');
    if (header.linkname) facts.link = header.linkname;
    out.push(facts);
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Each entry's extended attributes (PAX SCHILY.xattr.*, read byte for byte), NAME → hex, by path; entries without any are left out. */
export async function layerXattrs(layer: Buffer): Promise<Map<string, Record<string, string>>> {
  const plain = layer[0] === 0x1f && layer[1] === 0x8b ? gunzipSync(layer) : layer;
  const tap = new PaxXattrTap();
  for await (const _chunk of tap.tap((async function* () {
    yield plain;
  })()));
  const out = new Map<string, Record<string, string>>();
  (await tarFiles(plain)).forEach(({ header }, index) => {
    const xattrs = tap.take(index);
    if (xattrs) out.set(header.name.replace(/^\.?\//, '').replace(/\/$/, ''), Object.fromEntries([...xattrs].map(([name, value]) => [name, value.toString('hex')])));
  });
  return out;
}

export async function tarFiles(data: Buffer): Promise<{ header: tar.Header; body: Buffer }[]> {
  const extract = tar.extract();
  const out: { header: tar.Header; body: Buffer }[] = [];
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => chunks.push(c as Buffer));
      stream.on('end', () => {
        out.push({ header, body: Buffer.concat(chunks) });
        next();
      });
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  extract.end(data);
  await done;
  return out;
}

/** The last layer of the one image in a `docker save` archive (the classic manifest.json form). */
export async function lastLayerOfDockerSave(archivePath: string): Promise<Buffer> {
  return (await layersOfDockerSave(archivePath)).at(-1)!;
}

/** Every layer of the one image in a `docker save` archive, bottom first. */
export async function layersOfDockerSave(archivePath: string): Promise<Buffer[]> {
  const files = new Map((await tarFiles(await readFile(archivePath))).map((f) => [f.header.name, f.body]));
  const manifest = JSON.parse(files.get('manifest.json')!.toString()) as { Layers: string[] }[];
  return manifest[0]!.Layers.map((name) => files.get(name)!);
}

/**
 * The filesystem a stack of layers gives, as facts sorted by path: each layer's entries applied in
 * order, `.wh.NAME` removing NAME and what is under it, `.wh..wh..opq` emptying its folder first.
 * Images made by different builders are compared this way, whatever layer each put a folder in.
 */
export async function mergedFacts(layers: readonly Buffer[]): Promise<EntryFacts[]> {
  const tree = new Map<string, EntryFacts>();
  const removeUnder = (dir: string, keepDir: boolean): void => {
    for (const path of [...tree.keys()]) if ((!keepDir && path === dir) || path.startsWith(`${dir}/`)) tree.delete(path);
  };
  for (const layer of layers) {
    const facts = await layerFacts(layer);
    for (const fact of facts) {
      const base = fact.path.split('/').at(-1)!;
      const parent = fact.path.includes('/') ? fact.path.slice(0, fact.path.lastIndexOf('/')) : '';
      if (base === '.wh..wh..opq') removeUnder(parent, true);
      else if (base.startsWith('.wh.')) removeUnder(parent ? `${parent}/${base.slice(4)}` : base.slice(4), false);
    }
    for (const fact of facts) {
      if (fact.path === '' || fact.path === '.' || fact.path.split('/').at(-1)!.startsWith('.wh.')) continue;
      tree.set(fact.path, fact);
    }
  }
  return [...tree.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

// An archive read entry by entry, for comparing tar readers: Stevedore's (tarEntries, fed in pieces
// of a given size) and tar-stream 3's, the reader it replaced. Bodies are kept as their sha256.

import { createHash } from 'node:crypto';
import * as tar from 'tar-stream';
import { tarEntries, type TarHeader } from '../../src/core/archive/tarEntries';
import { chunksOf } from './fixtures';

export interface SeenEntry {
  name: string;
  type: string | null;
  size: number;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  linkname: string | null;
  uname: string;
  gname: string;
  pax: Record<string, string> | null;
  body: string;
}

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Stevedore's reader, fed `archive` in pieces of `piece` bytes. */
export async function ourEntries(archive: Buffer, piece: number): Promise<SeenEntry[]> {
  const out: SeenEntry[] = [];
  for await (const { header, body } of tarEntries(chunksOf(archive, piece), { what: 'test.tar' })) out.push(seen(header, await bodyHash(body)));
  return out;
}

/** tar-stream 3 fed the whole archive. */
export async function tarStreamEntries(archive: Buffer): Promise<SeenEntry[]> {
  const extract = tar.extract();
  extract.end(archive);
  const out: SeenEntry[] = [];
  for await (const entry of extract) out.push(seen(entry.header, await bodyHash(entry as AsyncIterable<Uint8Array>)));
  return out;
}

function seen(header: TarHeader | tar.Header, body: string): SeenEntry {
  return {
    name: header.name,
    type: header.type ?? null,
    size: header.size,
    mode: header.mode,
    uid: header.uid,
    gid: header.gid,
    mtime: header.mtime.getTime(),
    linkname: header.linkname ?? null,
    uname: header.uname,
    gname: header.gname,
    pax: (header.pax as Record<string, string> | null | undefined) ?? null,
    body,
  };
}

async function bodyHash(body: AsyncIterable<Uint8Array>): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of body) hash.update(chunk);
  return hash.digest('hex');
}

/**
 * Stevedore's reader fed from one buffer that is written over as soon as the reader asks for the
 * next piece, as a source that reuses its pieces does: whatever the reader kept a view of is gone.
 */
export async function ourEntriesScribbled(archive: Buffer, piece: number): Promise<SeenEntry[]> {
  async function* scribbled(): AsyncGenerator<Uint8Array> {
    const buffer = Buffer.alloc(piece);
    for (let at = 0; at < archive.length; at += piece) {
      const n = archive.copy(buffer, 0, at, at + piece);
      yield buffer.subarray(0, n);
      buffer.fill(0x5a);
    }
  }
  const out: SeenEntry[] = [];
  for await (const { header, body } of tarEntries(scribbled(), { what: 'test.tar' })) out.push(seen(header, await bodyHash(body)));
  return out;
}

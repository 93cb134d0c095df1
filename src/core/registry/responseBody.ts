// Small response bodies held in memory: errors and redirects met by a request that streams its
// wanted body elsewhere, and the bounded reads of error and token responses.

import { Writable } from 'node:stream';
import type { ResponseBody } from './registryRequest';

/** Reads a small body as text, refusing to hold more than `limit` bytes. */
export async function readLimited(body: AsyncIterable<Uint8Array> & { destroy?: () => void }, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += chunk.length;
    if (total > limit) {
      body.destroy?.();
      break;
    }
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks).toString('utf8').slice(0, limit);
}

/** A small response body kept in memory (errors, redirects) when a request streams into a sink. */
export class CollectedBody implements ResponseBody {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private sink: Writable | undefined;

  constructor(
    private readonly limit: number,
    chunks: Buffer[] = [],
  ) {
    for (const chunk of chunks) if (chunk.length > 0) this.chunks.push(chunk);
    this.size = chunks.reduce((sum, c) => sum + c.length, 0);
  }

  /** Where a streamed body is written to be kept (made on first use: most bodies arrive whole). */
  get writable(): Writable {
    this.sink ??= new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        if (this.size < this.limit) {
          this.chunks.push(chunk);
          this.size += chunk.length;
        }
        done();
      },
    });
    return this.sink;
  }

  private bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }

  async dump(): Promise<void> {}

  async text(): Promise<string> {
    return this.bytes().toString('utf8');
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text()) as unknown;
  }

  destroy(): void {}

  // A generator, not Readable.from: a manifest read this way would otherwise set up a stream and
  // its iterator for one chunk (about 2 ms of a no-op pull's first use).
  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    if (this.chunks.length > 0) yield this.bytes();
  }
}

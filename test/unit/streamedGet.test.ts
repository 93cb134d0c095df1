// streamedGet, the GET that an engine's image export is read through, against a loopback server on
// a unix socket that answers with exactly the bytes each case needs (framing is what is tested
// here; the export itself is tested against a real dockerd and podman in engineCopy.test.ts):
// chunked bodies whose chunk lines fall across reads and across the pieces the body is read
// into, with a consumer slow enough that reading pauses; Content-Length and close-delimited
// bodies; an answer other than 200 left unread; a connection that breaks, a malformed chunk line,
// and a consumer that stops early.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { StevedoreError } from '../../src/core/errors';
import { streamedGet } from '../../src/core/engine/streamedGet';
import { tempDir } from '../helpers/fixtures';

/** Bytes that differ everywhere, without randomness: a counter run through sha256. */
function patterned(size: number): Buffer {
  const out = Buffer.alloc(size);
  for (let i = 0, block = 0; i < size; i += 32, block++) createHash('sha256').update(String(block)).digest().copy(out, i);
  return out;
}

/** A chunked encoding of `body` with chunks of the given sizes in turn, and an extension on some. */
function chunked(body: Buffer, sizes: readonly number[]): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0, i = 0; at < body.length; i++) {
    const n = Math.min(sizes[i % sizes.length]!, body.length - at);
    parts.push(Buffer.from(`${n.toString(16)}${i % 5 === 3 ? ';name=value' : ''}\r\n`), body.subarray(at, at + n), Buffer.from('\r\n'));
    at += n;
  }
  parts.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(parts);
}

interface Answer {
  head: string;
  body: Buffer;
  /** Close the connection after this many body bytes instead of sending them all. */
  cutAfter?: number;
  /** Send the last `bytes` of the answer only once this resolves, and keep the connection open after. */
  holdEnd?: { bytes: number; until: Promise<void> };
}

describe('streamedGet', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let server: Server;
  let socketPath: string;
  let answer: Answer;
  let requests: string[] = [];
  let closedEarly = 0;

  before(async () => {
    dir = await tempDir('streamed-get-');
    socketPath = join(dir.path, 'engine.sock');
    server = createServer((socket: Socket) => {
      let request = '';
      socket.on('data', (data) => {
        request += data.toString('latin1');
        if (!request.includes('\r\n\r\n')) return;
        requests.push(request);
        void send(socket, answer);
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  });

  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await dir.cleanup();
  });

  /** Writes the answer in slices of awkward sizes, a tick apart, so that reads end anywhere. */
  async function send(socket: Socket, { head, body, cutAfter, holdEnd }: Answer): Promise<void> {
    const whole = Buffer.concat([Buffer.from(head), cutAfter === undefined ? body : body.subarray(0, cutAfter)]);
    const bytes = holdEnd ? whole.subarray(0, whole.length - holdEnd.bytes) : whole;
    const slices = [1, 3, 17, 4093, 65_537, 200_000];
    for (let at = 0, i = 0; at < bytes.length; i++) {
      const n = slices[i % slices.length]!;
      const ok = socket.write(bytes.subarray(at, at + n));
      at += n;
      if (socket.destroyed) {
        closedEarly++;
        return;
      }
      if (!ok) await new Promise<void>((resolve) => socket.once('drain', resolve).once('close', resolve));
      else await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (holdEnd) {
      await holdEnd.until;
      socket.write(whole.subarray(whole.length - holdEnd.bytes));
      return;
    }
    if (cutAfter !== undefined || !/content-length|transfer-encoding/i.test(head)) socket.end();
  }

  async function collect(body: AsyncIterable<Uint8Array>, slow = false): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const piece of body) {
      parts.push(Buffer.from(piece));
      if (slow) await new Promise<void>((resolve) => setTimeout(resolve, 1));
    }
    return Buffer.concat(parts);
  }

  const small = { pieceSize: 128 * 1024, minPiece: 1, limit: 256 * 1024 };

  it('reads a chunked body whose chunk lines fall across reads and pieces, pausing for a slow consumer', async () => {
    const body = patterned(3 * 1024 * 1024 + 5);
    answer = { head: 'HTTP/1.1 200 OK\r\nContent-Type: application/x-tar\r\nTransfer-Encoding: chunked\r\n\r\n', body: chunked(body, [1, 7, 70_000, 130_000, 300_000, 2]) };
    requests = [];
    const stream = await streamedGet({ socketPath, path: '/v1.41/images/get?names=a%3Ab', ...small });
    assert.ok(stream);
    const received = await collect(stream, true);
    assert.equal(received.length, body.length);
    assert.ok(received.equals(body), 'the decoded body equals what was sent');
    assert.match(requests[0]!, /^GET \/v1\.41\/images\/get\?names=a%3Ab HTTP\/1\.1\r\n/);
    assert.match(requests[0]!, /\r\nConnection: close\r\n/);
  });

  it('reads into the same few pieces again when the consumer lets go of each as it asks for the next', async () => {
    const body = patterned(4 * 1024 * 1024 + 7);
    const framed = chunked(body, [1, 7, 70_000, 130_000, 300_000, 2]);
    const read = async (reusePieces: boolean): Promise<{ digest: string; pieces: number }> => {
      answer = { head: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', body: framed };
      const stream = await streamedGet({ socketPath, path: '/x', ...small, reusePieces });
      assert.ok(stream);
      const hash = createHash('sha256');
      const memories = new Set<ArrayBufferLike>();
      // Each part is hashed before the next is asked for: a piece read into again too early would change the digest.
      for await (const part of stream) {
        hash.update(part);
        memories.add(part.buffer);
      }
      return { digest: hash.digest('hex'), pieces: memories.size };
    };
    const expected = createHash('sha256').update(body).digest('hex');
    const fresh = await read(false);
    assert.equal(fresh.digest, expected);
    assert.ok(fresh.pieces >= body.length / small.pieceSize, `without reuse every piece is new (${fresh.pieces})`);
    const reused = await read(true);
    assert.equal(reused.digest, expected);
    // At most the read-ahead's worth of pieces, the one being read into and the one the consumer holds.
    assert.ok(reused.pieces <= small.limit / small.pieceSize + 2, `${reused.pieces} pieces for ${Math.ceil(body.length / small.pieceSize)} pieces' worth`);
  });

  it('ends the iteration when the last chunk comes while the consumer waits, the connection still open', { timeout: 120_000 }, async () => {
    // Docker's export ends so: all data, then "0\r\n\r\n" in a read of its own; the consumer,
    // waiting for more, must be told the body is complete (it was left waiting: a silent exit 0).
    const body = patterned(300_000);
    let release!: () => void;
    const until = new Promise<void>((resolve) => (release = resolve));
    answer = { head: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', body: chunked(body, [100_000]), holdEnd: { bytes: 5, until } };
    const stream = await streamedGet({ socketPath, path: '/x', ...small });
    let received = 0;
    for await (const piece of stream!) {
      received += piece.length;
      if (received === body.length) release();
    }
    assert.equal(received, body.length);
  });

  it('reads a Content-Length body and a body that ends when the connection closes', async () => {
    const body = patterned(1024 * 1024 + 77);
    answer = { head: `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`, body };
    const framed = await streamedGet({ socketPath, path: '/x', ...small });
    assert.ok((await collect(framed!)).equals(body));
    answer = { head: 'HTTP/1.0 200 OK\r\n\r\n', body };
    const closed = await streamedGet({ socketPath, path: '/x', ...small });
    assert.ok((await collect(closed!)).equals(body));
  });

  it('leaves an answer other than 200 unread, for the engine client to ask again', async () => {
    answer = { head: 'HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 38\r\n\r\n', body: Buffer.from('{"message":"reference does not exist"}') };
    assert.equal(await streamedGet({ socketPath, path: '/x' }), undefined);
  });

  it('fails the iteration when the connection breaks mid-body or a chunk line is malformed', async () => {
    const body = patterned(600_000);
    answer = { head: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', body: chunked(body, [50_000]), cutAfter: 300_000 };
    const broken = await streamedGet({ socketPath, path: '/x', ...small });
    await assert.rejects(collect(broken!), (err: NodeJS.ErrnoException) => err.code === 'ECONNRESET' && /before the end of the export/.test(err.message));

    answer = { head: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', body: Buffer.from('10\r\n0123456789abcdef\r\nzz\r\n') };
    const malformed = await streamedGet({ socketPath, path: '/x', ...small });
    await assert.rejects(collect(malformed!), (err: unknown) => err instanceof StevedoreError && err.code === 'ENGINE_ERROR' && /chunk size is not a number/.test(err.message));
  });

  it('skips a 100 Continue before the 200; a head it cannot read, or two lengths that differ, is the engine\'s error', async () => {
    // The head is read by http/socketRequest, shared with the registry's blob GET: it skips 1xx
    // answers (this GET took 100 as "not 200" and left the export to the slower client) and
    // refuses conflicting Content-Lengths (this GET used the last one it saw).
    const body = patterned(200_000);
    answer = { head: `HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`, body };
    const continued = await streamedGet({ socketPath, path: '/x', ...small });
    assert.ok(continued, 'the 200 after the 100 is read');
    assert.ok((await collect(continued)).equals(body));

    const isEngineError = (pattern: RegExp) => (err: unknown) => err instanceof StevedoreError && err.code === 'ENGINE_ERROR' && pattern.test(err.message);
    answer = { head: 'SSH-2.0-OpenSSH\r\n\r\n', body: Buffer.alloc(0) };
    await assert.rejects(streamedGet({ socketPath, path: '/x', ...small }), isEngineError(/cannot be read: not an HTTP\/1\.1 response/));
    answer = { head: 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\nContent-Length: 5\r\n\r\n', body: Buffer.from('0123456789') };
    await assert.rejects(streamedGet({ socketPath, path: '/x', ...small }), isEngineError(/conflicting content-length/));
  });

  it('drops the connection when the consumer stops early', async () => {
    const body = patterned(8 * 1024 * 1024);
    answer = { head: `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`, body };
    closedEarly = 0;
    const stream = await streamedGet({ socketPath, path: '/x', ...small });
    for await (const piece of stream!) {
      assert.ok(piece.length > 0);
      break;
    }
    // The server notices once its writes fail; it writes until then.
    while (closedEarly === 0) await new Promise<void>((resolve) => setTimeout(resolve, 10));
    assert.equal(closedEarly, 1);
  });
});

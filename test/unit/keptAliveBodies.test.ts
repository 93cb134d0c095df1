// Streamed bodies on the kept-alive path (http/keptAliveRequest.ts over httpConnection.ts), against
// loopback servers scripted per case: a Readable request body goes with its Content-Length or
// chunked, as the socket takes it; its source failing, a server answering before the body is all
// sent, and a server closing mid-body each end the request without a hang, the connection never
// used again and the request never sent again; a 2xx body goes into the caller's sink in every
// framing with backpressure, a non-2xx one is held, and a transfer that breaks off in the sink
// says so. The real registry's side is in test/integration/registryUploads.test.ts.

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Readable, Writable } from 'node:stream';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { StevedoreError } from '../../src/core/errors';
import { ConnectionPool } from '../../src/core/http/connectionPool';
import { BodyBrokenOff } from '../../src/core/http/bodyBrokenOff';
import { keptAliveRequest, type KeptAliveRequest } from '../../src/core/http/keptAliveRequest';
import { HttpTransport } from '../../src/core/registry/registryTransport';
import { TransferInterrupted } from '../../src/core/registry/registryRequest';

/** A loopback server whose connections a case handles itself, with what arrived on each. */
class RawServer {
  readonly server: Server;
  readonly connections: { socket: Socket; received: Buffer[]; closed: Promise<void> }[] = [];
  port = 0;

  constructor(handle: (socket: Socket, index: number) => void) {
    this.server = createServer((socket) => {
      socket.unref();
      socket.on('error', () => undefined);
      const received: Buffer[] = [];
      socket.on('data', (d: Buffer) => received.push(d));
      const index = this.connections.push({ socket, received, closed: new Promise<void>((resolve) => socket.on('close', () => resolve())) }) - 1;
      this.server.emit('accepted');
      handle(socket, index);
    });
  }

  async start(): Promise<this> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  text(index: number): string {
    return Buffer.concat(this.connections[index]!.received).toString('latin1');
  }

  async stop(): Promise<void> {
    for (const c of this.connections) c.socket.destroy();
    this.server.close();
    await once(this.server, 'close');
  }
}

/** Calls `answer` once the head of a request has arrived (and each time another head arrives). */
function onHeads(socket: Socket, answer: (head: string, count: number) => void): void {
  let text = '';
  let count = 0;
  let inBody = false;
  socket.on('data', (d: Buffer) => {
    // A request with a body is the last one looked at: its body is never parsed here.
    if (inBody) return;
    text += d.toString('latin1');
    for (let end = text.indexOf('\r\n\r\n'); end >= 0 && !inBody; end = text.indexOf('\r\n\r\n')) {
      const head = text.slice(0, end);
      text = text.slice(end + 4);
      inBody = /content-length: [1-9]|transfer-encoding/i.test(head);
      answer(head, ++count);
    }
  });
}

/** A source of `total` bytes made as asked for, `piece` at a time, that records whether it was ever paused. */
function generated(total: number, piece = 64 * 1024): Readable & { made: number; pausedOnce: boolean } {
  const block = Buffer.alloc(piece, 0x61);
  const source = new Readable({
    read() {
      const n = Math.min(piece, total - source.made);
      if (n <= 0) return void this.push(null);
      source.made += n;
      this.push(n === piece ? block : block.subarray(0, n));
    },
  }) as Readable & { made: number; pausedOnce: boolean };
  source.made = 0;
  source.pausedOnce = false;
  source.on('pause', () => (source.pausedOnce = true));
  return source;
}

describe('keptAliveRequest with a streamed request body', () => {
  let pool: ConnectionPool;
  const servers: RawServer[] = [];
  beforeEach(() => {
    pool = new ConnectionPool();
  });
  afterEach(async () => {
    pool.close();
    for (const s of servers.splice(0)) await s.stop();
  });
  const serve = async (handle: (socket: Socket, index: number) => void): Promise<RawServer> => {
    const server = await new RawServer(handle).start();
    servers.push(server);
    return server;
  };
  // Hang guards only: far above a busy machine's pauses, and no case waits for them.
  const request = (server: { port: number }, extra: Partial<KeptAliveRequest>): KeptAliveRequest => ({
    pool,
    key: `http://127.0.0.1:${server.port}`,
    target: { host: '127.0.0.1', port: server.port },
    method: 'PATCH',
    path: '/v2/app/blobs/uploads/1',
    hostHeader: `127.0.0.1:${server.port}`,
    headers: { 'content-type': 'application/octet-stream' },
    headersTimeoutMs: 600_000,
    bodyTimeoutMs: 600_000,
    limit: 1024 * 1024,
    ...extra,
  });

  it('a body of known length goes with its Content-Length, held back while the server does not read, and the connection is kept', async () => {
    const total = 64 * 1024 * 1024;
    const source = generated(total);
    // The server reads nothing until the client has had to wait for it (the kernel's buffers are far
    // smaller than the body), or, were it never to wait, until the source has given everything.
    const waited = Promise.race([once(source, 'pause'), once(source, 'end')]);
    const server = await serve((socket, index) => {
      socket.pause();
      void waited.then(() => socket.resume());
      let bytes = 0;
      let headEnd = -1;
      socket.on('data', (d: Buffer) => {
        bytes += d.length;
        if (headEnd < 0) headEnd = Buffer.concat(server.connections[index]!.received).indexOf('\r\n\r\n');
        if (bytes === headEnd + 4 + total) socket.write('HTTP/1.1 202 Accepted\r\nLocation: /next\r\nContent-Length: 0\r\n\r\n');
        else if (bytes > headEnd + 4 + total) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext');
      });
    });
    const res = await keptAliveRequest(request(server, { body: source, bodyLength: total }));
    assert.equal(res?.status, 202);
    assert.ok(source.pausedOnce, 'the source was held back while the socket was full');
    const head = server.text(0).split('\r\n\r\n')[0]!;
    assert.match(head, /^PATCH \/v2\/app\/blobs\/uploads\/1 HTTP\/1\.1\r\n/);
    assert.match(head, /\r\nContent-Length: 67108864(\r\n|$)/);
    assert.doesNotMatch(head, /transfer-encoding/i);
    assert.equal(Buffer.concat(server.connections[0]!.received).length, head.length + 4 + total);
    assert.equal(pool.idleCount, 1);
    const next = await keptAliveRequest(request(server, { method: 'GET', path: '/next' }));
    assert.equal(next?.body.toString(), 'next');
    assert.equal(server.connections.length, 1);
  });

  it('a body of unknown length goes chunked, and Node\'s HTTP server reads exactly its bytes', async () => {
    const parts = [randomBytes(1), randomBytes(70_000), randomBytes(3), randomBytes(1_000_000)];
    const whole = Buffer.concat(parts);
    const http = createHttpServer((req, res) => {
      const hash = createHash('sha256');
      let length = 0;
      req.on('data', (d: Buffer) => {
        hash.update(d);
        length += d.length;
      });
      req.on('end', () => res.end(JSON.stringify({ te: req.headers['transfer-encoding'], cl: req.headers['content-length'] ?? null, length, sha: hash.digest('hex') })));
    });
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    try {
      const port = (http.address() as AddressInfo).port;
      const res = await keptAliveRequest(request({ port }, { body: Readable.from(parts) }));
      assert.equal(res?.status, 200);
      assert.deepEqual(JSON.parse(res!.body.toString()), { te: 'chunked', cl: null, length: whole.length, sha: createHash('sha256').update(whole).digest('hex') });
      // The chunked body ended where the server could tell: the connection carries the next request.
      const again = await keptAliveRequest(request({ port }, { body: Readable.from([Buffer.from('x')]) }));
      assert.equal(JSON.parse(again!.body.toString()).length, 1);
      assert.equal(pool.idleCount, 1);
    } finally {
      pool.close();
      http.closeAllConnections();
      http.close();
    }
  });

  it('a source that fails part way fails the request with its own error; the connection is closed, the request not sent again', async () => {
    const server = await serve(() => undefined);
    const failure = new StevedoreError('DIGEST_MISMATCH', 'the stored blob is damaged');
    let sent = 0;
    const source = new Readable({
      read() {
        if (sent >= 200_000) return this.destroy(failure);
        sent += 50_000;
        this.push(Buffer.alloc(50_000, 1));
      },
    });
    await assert.rejects(keptAliveRequest(request(server, { body: source, bodyLength: 1_000_000 })), (err) => err === failure);
    await server.connections[0]!.closed;
    assert.equal(server.connections.length, 1);
    assert.equal(pool.idleCount, 0);
  });

  it('a source that gives fewer bytes than its Content-Length fails the request, and the connection is closed', async () => {
    const server = await serve(() => undefined);
    await assert.rejects(keptAliveRequest(request(server, { body: Readable.from([Buffer.alloc(10)]), bodyLength: 11 })), (err: NodeJS.ErrnoException) => err.code === 'ERR_BODY_LENGTH_MISMATCH');
    // The connection may be dropped before the server has even accepted it.
    await Promise.all(server.connections.map((c) => c.closed));
    assert.equal(pool.idleCount, 0);
  });

  it('an answer that comes before the body is all sent (401) is the answer: the rest is not sent, the source is let go of, the connection closed', async () => {
    const server = await serve((socket) => {
      // Answers at the head and reads on, as a server draining what it will not use does.
      onHeads(socket, () => socket.write('HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm="x"\r\nContent-Length: 2\r\n\r\n{}'));
    });
    const total = 1024 * 1024 * 1024;
    const source = generated(total);
    const res = await keptAliveRequest(request(server, { body: source, bodyLength: total }));
    assert.equal(res?.status, 401);
    assert.equal(res?.body.toString(), '{}');
    assert.equal(res?.headers['www-authenticate'], 'Bearer realm="x"');
    assert.ok(source.destroyed, 'the source is destroyed');
    assert.ok(source.made < total, 'the body was not all read');
    await server.connections[0]!.closed;
    assert.equal(pool.idleCount, 0);
  });

  it('a server that closes the connection mid-body fails the request with a connection error, not sent again', async () => {
    const server = await serve((socket) => {
      let bytes = 0;
      socket.on('data', (d: Buffer) => {
        bytes += d.length;
        if (bytes > 100_000) socket.destroy();
      });
    });
    const total = 256 * 1024 * 1024;
    const source = generated(total);
    await assert.rejects(keptAliveRequest(request(server, { body: source, bodyLength: total })), (err: NodeJS.ErrnoException) => ['ECONNRESET', 'EPIPE'].includes(err.code ?? ''));
    assert.equal(server.connections.length, 1);
    assert.ok(source.destroyed);
    assert.equal(pool.idleCount, 0);
  });

  it('on a reused connection the server dropped, a streamed body is not sent again: the failure is the caller\'s', async () => {
    const server = await serve((socket, index) => {
      if (index === 0) onHeads(socket, (_head, count) => (count === 1 ? socket.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n') : socket.destroy()));
    });
    assert.equal((await keptAliveRequest(request(server, { method: 'GET', path: '/v2/' })))?.status, 200);
    // A PUT (a monolithic upload) is idempotent, but its streamed body is gone once sent.
    await assert.rejects(keptAliveRequest(request(server, { method: 'PUT', body: Readable.from([Buffer.alloc(100)]), bodyLength: 100 })), (err: NodeJS.ErrnoException) => ['ECONNRESET', 'EPIPE'].includes(err.code ?? ''));
    assert.equal(server.connections.length, 1, 'no second connection');
  });
});

/** A Writable that completes each write only on a later turn of the event loop, and records the most it ever held. */
function slowSink(): Writable & { chunks: Buffer[]; mostHeld: number } {
  const sink = new Writable({
    highWaterMark: 16 * 1024,
    write(chunk: Buffer, _encoding, done) {
      sink.chunks.push(chunk);
      sink.mostHeld = Math.max(sink.mostHeld, sink.writableLength);
      setImmediate(done);
    },
  }) as Writable & { chunks: Buffer[]; mostHeld: number };
  sink.chunks = [];
  sink.mostHeld = 0;
  return sink;
}

describe('keptAliveRequest with a sink for the answer', () => {
  let pool: ConnectionPool;
  let server: RawServer | undefined;
  /** What the server answers each request with. */
  let answers: ((socket: Socket) => void)[] = [];
  beforeEach(async () => {
    pool = new ConnectionPool();
    answers = [];
    server = await new RawServer((socket) => onHeads(socket, (_head, count) => answers[Math.min(count, answers.length) - 1]!(socket))).start();
  });
  afterEach(async () => {
    pool.close();
    await server?.stop();
  });
  const get = (extra: Partial<KeptAliveRequest> = {}): KeptAliveRequest => ({
    pool,
    key: `http://127.0.0.1:${server!.port}`,
    target: { host: '127.0.0.1', port: server!.port },
    method: 'GET',
    path: '/v2/app/blobs/sha256:abc',
    hostHeader: `127.0.0.1:${server!.port}`,
    headers: {},
    headersTimeoutMs: 600_000,
    bodyTimeoutMs: 600_000,
    limit: 64 * 1024,
    ...extra,
  });

  it('takes a 2xx body far over the limit in each framing, never holding more than it should, and keeps the connection when it may', async () => {
    const body = randomBytes(8 * 1024 * 1024);
    const chunked = Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n`), body.subarray(0, 5), Buffer.from(`\r\n${(body.length - 5).toString(16)}\r\n`), body.subarray(5), Buffer.from('\r\n0\r\n\r\n')]);
    answers = [
      (socket) => socket.write(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`), body])),
      (socket) => socket.write(chunked),
      (socket) => socket.end(Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\n\r\n'), body])),
    ];
    for (const framing of ['length', 'chunked', 'close']) {
      const sink = slowSink();
      const statuses: number[] = [];
      const res = await keptAliveRequest(get({ sink: (status) => (statuses.push(status), sink) }));
      assert.equal(res?.status, 200, framing);
      assert.equal(res?.streamed, true);
      assert.equal(res?.body.length, 0);
      assert.deepEqual(statuses, [200]);
      assert.ok(sink.writableFinished, `${framing}: the request settles once the sink has finished`);
      assert.ok(Buffer.concat(sink.chunks).equals(body), framing);
      // Reading waits while the sink is full: what it holds stays within one read of its high-water mark.
      assert.ok(sink.mostHeld <= 16 * 1024 + 64 * 1024, `${framing}: the sink held ${sink.mostHeld} bytes`);
    }
    // The length and chunked answers kept one connection, which the close-delimited one ended.
    assert.equal(server!.connections.length, 1);
    await server!.connections[0]!.closed;
    assert.equal(pool.idleCount, 0);
  });

  it('a non-2xx answer the sink does not take is held in memory as usual, and the sink is never written', async () => {
    const error = '{"errors":[{"code":"NOPE"}]}';
    answers = [(socket) => socket.write(`HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: ${error.length}\r\n\r\n${error}`)];
    const sink = slowSink();
    const res = await keptAliveRequest(get({ sink: (status) => (status === 200 ? sink : undefined) }));
    assert.equal(res?.status, 404);
    assert.equal(res?.streamed, undefined);
    assert.equal(res?.body.toString(), error);
    assert.equal(sink.chunks.length, 0);
    assert.equal(pool.idleCount, 1);
  });

  it('a connection that breaks off once the body is flowing into the sink fails with BodyBrokenOff, the bytes received in the sink', async () => {
    answers = [(socket) => socket.end(Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n'), Buffer.alloc(1000, 7)]))];
    let got = 0;
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        got += chunk.length;
        done();
      },
    });
    await assert.rejects(keptAliveRequest(get({ sink: () => sink })), (err) => err instanceof BodyBrokenOff && (err.cause as NodeJS.ErrnoException).code === 'ECONNRESET');
    assert.equal(got, 1000);
    assert.ok(sink.destroyed, 'the sink is let go of: nothing more is written into it');
    assert.equal(pool.idleCount, 0);
  });

  it('a sink that fails fails the request with BodyBrokenOff(its error); through HttpTransport a StevedoreError stays itself, other errors are TransferInterrupted', async () => {
    const body = Buffer.alloc(300_000, 3);
    answers = [(socket) => socket.write(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`), body]))];
    const full = new StevedoreError('SIZE_MISMATCH', 'more than announced');
    const failing = (err: Error): Writable => new Writable({ write: (_c, _e, done) => done(err) });
    await assert.rejects(keptAliveRequest(get({ sink: () => failing(full) })), (err) => err instanceof BodyBrokenOff && err.cause === full);
    const transport = new HttpTransport({ isInsecure: () => true });
    try {
      const url = new URL(`http://127.0.0.1:${server!.port}/v2/app/blobs/sha256:abc`);
      await assert.rejects(transport.send({ url, method: 'GET', headers: {}, sink: () => failing(full) }), (err) => err === full);
      const disk = Object.assign(new Error('no space left'), { code: 'ENOSPC' });
      await assert.rejects(transport.send({ url, method: 'GET', headers: {}, sink: () => failing(disk) }), (err) => err instanceof TransferInterrupted && err.cause === disk);
      const sink = slowSink();
      const res = await transport.send({ url, method: 'GET', headers: {}, sink: () => sink });
      assert.equal(res.streamed, true);
      assert.ok(Buffer.concat(sink.chunks).equals(body));
    } finally {
      await transport.close();
    }
  });
});

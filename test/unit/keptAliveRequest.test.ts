// keptAliveRequest, the path a registry's API requests take (no body, or one in memory), against
// loopback servers that answer each request with exactly the bytes a case needs and count the
// connections they accept: bodies in every framing (Content-Length, chunked, the close), HEAD, 204
// and 304 without one, the connection kept for the next request or ended when the answer says so,
// a kept connection the server drops sent again on a new one, the limit on what is held, a cancel
// and a timeout that leave no socket behind, and an idle connection that does not keep the
// process alive. The real registry's side is in test/integration/registryKeepAlive.test.ts.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { spawn, type ChildProcess } from 'node:child_process';
import { connect as netConnect, createServer, type AddressInfo, type Socket } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { CancelledError } from '../../src/core/errors';
import { ConnectionPool } from '../../src/core/http/connectionPool';
import { keptAliveRequest, type KeptAliveRequest } from '../../src/core/http/keptAliveRequest';
import { networkError } from '../../src/core/registry/networkErrors';
import { RegistryClient } from '../../src/core/registry/registryClient';
import { HttpTransport } from '../../src/core/registry/registryTransport';

interface Received {
  connection: number;
  head: string;
  body: Buffer;
}

/** What the server does with a request: write (part of) an answer, close, or nothing at all. */
type Answer = (socket: Socket, request: Received) => void;

/** A loopback server reading request after request on each connection (bodies by Content-Length). */
class ScriptedServer {
  private readonly server = createServer((socket) => this.accept(socket));
  readonly requests: Received[] = [];
  readonly sockets: Socket[] = [];
  /** Answers in order, one per request; the last one repeats. */
  answers: Answer[] = [];
  private readonly closedSockets = new WeakSet<Socket>();
  port = 0;

  async start(): Promise<void> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.port = (this.server.address() as AddressInfo).port;
  }

  reset(...answers: Answer[]): void {
    this.answers = answers;
    this.requests.length = 0;
    this.sockets.length = 0;
  }

  /** Waits until `count` requests have arrived. */
  async received(count: number): Promise<void> {
    while (this.requests.length < count) await once(this.server, 'request-received');
  }

  /** Waits until `count` connections since the last reset have closed on the server's side. */
  async closed(count: number): Promise<void> {
    while (this.sockets.filter((s) => this.closedSockets.has(s)).length < count) await once(this.server, 'connection-closed');
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.server.close();
    await once(this.server, 'close');
  }

  private accept(socket: Socket): void {
    const connection = this.sockets.push(socket) - 1;
    // The test's own sockets must not keep its process alive: the client's are what is checked.
    socket.unref();
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closedSockets.add(socket);
      this.server.emit('connection-closed');
    });
    let pending = Buffer.alloc(0);
    socket.on('data', (data: Buffer) => {
      pending = Buffer.concat([pending, data]);
      // A TLS ClientHello (a client trying https first) is no request: closed, as a plain server does.
      if (pending[0] === 0x16) return void socket.destroy();
      for (;;) {
        const end = pending.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = pending.subarray(0, end).toString('latin1');
        const length = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? 0);
        if (pending.length < end + 4 + length) return;
        const request = { connection, head, body: pending.subarray(end + 4, end + 4 + length) };
        pending = pending.subarray(end + 4 + length);
        this.requests.push(request);
        this.server.emit('request-received');
        const answer = this.answers[Math.min(this.requests.length - 1, this.answers.length - 1)]!;
        answer(socket, request);
      }
    });
  }
}

const ok = (body: string, extra = ''): Answer => (socket) => socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`);

describe('keptAliveRequest', () => {
  const server = new ScriptedServer();
  let pool: ConnectionPool;

  before(() => server.start());
  after(() => server.stop());
  beforeEach(() => {
    pool?.close();
    pool = new ConnectionPool();
  });

  // No test waits for these to fire unless it says so: they are hang guards, far above a busy machine's pauses.
  const request = (path: string, extra: Partial<KeptAliveRequest> = {}): KeptAliveRequest => ({
    pool,
    key: `http://127.0.0.1:${server.port}`,
    target: { host: '127.0.0.1', port: server.port },
    method: 'GET',
    path,
    hostHeader: `127.0.0.1:${server.port}`,
    headers: { 'user-agent': 'stevedore-test' },
    headersTimeoutMs: 600_000,
    bodyTimeoutMs: 600_000,
    limit: 1024 * 1024,
    ...extra,
  });

  it('sends request after request on one connection, bodies included, and reads Content-Length bodies', async () => {
    server.reset(ok('{"a":1}', 'Docker-Content-Digest: sha256:abc\r\n'), ok(''), ok('second'));
    const first = await keptAliveRequest(request('/v2/'));
    assert.equal(first?.status, 200);
    assert.equal(first?.body.toString(), '{"a":1}');
    assert.equal(first?.headers['docker-content-digest'], 'sha256:abc');
    const put = await keptAliveRequest(request('/v2/app/manifests/1', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: Buffer.from('{"m":2}') }));
    assert.equal(put?.status, 200);
    const third = await keptAliveRequest(request('/v2/app/tags/list?n=5'));
    assert.equal(third?.body.toString(), 'second');
    assert.deepEqual(server.requests.map((r) => r.connection), [0, 0, 0]);
    const [line, ...headers] = server.requests[1]!.head.split('\r\n');
    assert.equal(line, 'PUT /v2/app/manifests/1 HTTP/1.1');
    assert.ok(headers.includes('Content-Length: 7') && headers.includes('content-type: application/json'), server.requests[1]!.head);
    assert.ok(!headers.some((h) => /^connection:/i.test(h)), 'keep-alive is HTTP/1.1\'s default: no Connection header');
    assert.equal(server.requests[1]!.body.toString(), '{"m":2}');
    assert.equal(server.requests[2]!.head.split('\r\n')[0], 'GET /v2/app/tags/list?n=5 HTTP/1.1');
    assert.equal(pool.idleCount, 1);
  });

  it('decodes a chunked body that arrives a few bytes at a time, extensions and trailer fields included, and keeps the connection', async () => {
    const body = randomBytes(70_000);
    const wire = Buffer.concat([
      Buffer.from(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\n`),
      body.subarray(0, 3),
      Buffer.from(`\r\n${(body.length - 3).toString(16)}\r\n`),
      body.subarray(3),
      Buffer.from('\r\n0\r\nX-Trailer: yes\r\n\r\n'),
    ]);
    server.reset(
      (socket) => {
        // Small writes, so the chunk lines are cut at every place.
        for (let at = 0; at < wire.length; at += 7) socket.write(wire.subarray(at, at + 7));
      },
      ok('next'),
    );
    const res = await keptAliveRequest(request('/chunked'));
    assert.ok(res?.body.equals(body));
    const next = await keptAliveRequest(request('/next'));
    assert.equal(next?.body.toString(), 'next');
    assert.deepEqual(server.requests.map((r) => r.connection), [0, 0]);
  });

  it('reads a body delimited by the close, and opens a new connection after it', async () => {
    server.reset((socket) => socket.end('HTTP/1.1 200 OK\r\n\r\nuntil the end'), ok('fresh'));
    const res = await keptAliveRequest(request('/close'));
    assert.equal(res?.body.toString(), 'until the end');
    const next = await keptAliveRequest(request('/next'));
    assert.equal(next?.body.toString(), 'fresh');
    assert.deepEqual(server.requests.map((r) => r.connection), [0, 1]);
  });

  it('HEAD, 204 and 304 answers have no body whatever Content-Length says; the next answer is read right; a 204 announcing a body ends its connection', async () => {
    server.reset(
      (socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 12345\r\nDocker-Content-Digest: sha256:def\r\n\r\n'),
      (socket) => socket.write('HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n'),
      (socket) => socket.write('HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n'),
      ok('after'),
    );
    const head = await keptAliveRequest(request('/v2/app/blobs/sha256:def', { method: 'HEAD' }));
    assert.equal(head?.status, 200);
    assert.equal(head?.headers['content-length'], '12345');
    assert.equal(head?.body.length, 0);
    assert.equal((await keptAliveRequest(request('/204', { method: 'DELETE' })))?.status, 204);
    assert.equal((await keptAliveRequest(request('/304')))?.status, 304);
    assert.equal((await keptAliveRequest(request('/after')))?.body.toString(), 'after');
    // HEAD and 304 may say how long the body they leave out is; a 204 may not, so that one may yet send it.
    assert.deepEqual(server.requests.map((r) => r.connection), [0, 0, 1, 1]);
  });

  it('a HEAD answer whose body comes anyway, after the next request went out: that request is not answered by it, but sent again on a new connection', async () => {
    server.reset(
      (socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n'),
      // The HEAD's body, sent only once the next request is in, so it cannot be taken for stray bytes while idle.
      (socket) => socket.write('{"layers":'.padEnd(5000, ' ')),
      ok('good'),
    );
    assert.equal((await keptAliveRequest(request('/v2/app/manifests/1', { method: 'HEAD' })))?.status, 200);
    // A head deadline only so that a client reading the body as a head fails this test rather than hang it.
    const res = await keptAliveRequest(request('/v2/app/manifests/1', { headersTimeoutMs: 60_000 }));
    assert.equal(res?.status, 200);
    assert.equal(res?.body.toString(), 'good');
    assert.deepEqual(server.requests.map((r) => [r.connection, r.head.split(' ')[0]]), [[0, 'HEAD'], [0, 'GET'], [1, 'GET']]);
  });

  it('skips 1xx answers and keeps repeated headers as arrays', async () => {
    server.reset((socket) => socket.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm="a"\r\nwww-authenticate: Bearer realm="b"\r\nContent-Length: 2\r\n\r\n{}'));
    const res = await keptAliveRequest(request('/v2/'));
    assert.equal(res?.status, 401);
    assert.deepEqual(res?.headers['www-authenticate'], ['Basic realm="a"', 'Bearer realm="b"']);
  });

  it('a kept connection the server drops when the next request arrives: the request is sent again on a new one', async () => {
    server.reset(ok('one'), (socket) => socket.destroy(), ok('two'));
    assert.equal((await keptAliveRequest(request('/one')))?.body.toString(), 'one');
    const res = await keptAliveRequest(request('/two', { method: 'PUT', body: Buffer.from('again') }));
    assert.equal(res?.body.toString(), 'two');
    assert.deepEqual(server.requests.map((r) => [r.connection, r.head.split(' ')[1], r.body.toString()]), [[0, '/one', ''], [0, '/two', 'again'], [1, '/two', 'again']]);
  });

  it('a kept connection dropped before answering a POST, or a request marked retry: false, fails: it is not sent again (the server may have acted on it)', async () => {
    for (const [method, extra] of [['POST', {}], ['PUT', { retry: false }]] as const) {
      pool.close();
      pool = new ConnectionPool();
      server.reset(ok('one'), (socket) => socket.destroy());
      assert.equal((await keptAliveRequest(request('/one')))?.body.toString(), 'one');
      await assert.rejects(keptAliveRequest(request('/v2/app/blobs/uploads/1?digest=sha256:0', { method, body: Buffer.from('x'), ...extra })), (err: NodeJS.ErrnoException) => err.code === 'ECONNRESET');
      assert.deepEqual(server.requests.map((r) => [r.connection, r.head.split(' ')[0]]), [[0, 'GET'], [0, method]], method);
    }
  });

  it("the registry client's retry: false reaches the kept-alive path: an upload's closing PUT is sent once", async () => {
    server.reset(ok(''), (socket) => socket.destroy());
    const client = new RegistryClient(`127.0.0.1:${server.port}`, { retry: { attempts: 1 } });
    try {
      await assert.rejects(client.request({ method: 'PUT', url: '/v2/app/blobs/uploads/1?digest=sha256:0', headers: { 'content-length': '0' }, scopes: [], retry: false }));
      // The ping's kept connection carries the PUT, and drops it: not sent on another.
      const [ping, put] = server.requests;
      assert.deepEqual(server.requests.map((r) => r.head.split(' ').slice(0, 2).join(' ')), ['GET /v2/', 'PUT /v2/app/blobs/uploads/1?digest=sha256:0']);
      assert.equal(put!.connection, ping!.connection);
    } finally {
      await client.close();
    }
  });

  it('a kept connection the server closed while idle is not used again', async () => {
    server.reset((socket, req) => {
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n${req.connection === 0 ? 'one' : 'two'}`);
      if (req.connection === 0) socket.end();
    });
    assert.equal((await keptAliveRequest(request('/one')))?.body.toString(), 'one');
    await server.closed(1);
    while (pool.idleCount > 0) await new Promise((resolve) => setImmediate(resolve));
    assert.equal((await keptAliveRequest(request('/two')))?.body.toString(), 'two');
    assert.deepEqual(server.requests.map((r) => r.connection), [0, 1]);
  });

  it('a new connection closed before an answer is an ECONNRESET for the client to retry, not sent again here', async () => {
    server.reset((socket) => socket.destroy());
    await assert.rejects(keptAliveRequest(request('/gone')), (err: NodeJS.ErrnoException) => err.code === 'ECONNRESET');
    assert.equal(server.requests.length, 1);
  });

  it('a refused connection is an ECONNREFUSED, as the client classifies it', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    closed.close();
    await once(closed, 'close');
    await assert.rejects(keptAliveRequest(request('/v2/', { key: `http://127.0.0.1:${port}`, target: { host: '127.0.0.1', port } })), (err: NodeJS.ErrnoException) => err.code === 'ECONNREFUSED');
  });

  it('an answer with Connection: close, and an HTTP/1.0 one, end their connection', async () => {
    server.reset(ok('a', 'Connection: close\r\n'), (socket) => socket.write('HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nb'), ok('c'));
    await keptAliveRequest(request('/a'));
    await keptAliveRequest(request('/b'));
    await keptAliveRequest(request('/c'));
    assert.deepEqual(server.requests.map((r) => r.connection), [0, 1, 2]);
    await server.closed(2);
  });

  it('a 2xx GET body over the limit is left unread; an error body over it is cut at the limit', async () => {
    const big = 'x'.repeat(2000);
    server.reset(
      (socket) => socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${big.length}\r\n\r\n`), // the body never comes: it must not be waited for
      (socket) => socket.write(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${big.length.toString(16)}\r\n${big}\r\n0\r\n\r\n`),
      (socket) => socket.write(`HTTP/1.1 500 Oops\r\nContent-Length: ${big.length}\r\n\r\n${big}`),
    );
    assert.equal(await keptAliveRequest(request('/big', { limit: 1000 })), undefined);
    assert.equal(await keptAliveRequest(request('/big-chunked', { limit: 1000 })), undefined);
    const error = await keptAliveRequest(request('/error', { limit: 1000 }));
    assert.equal(error?.status, 500);
    assert.equal(error?.body.toString(), big.slice(0, 1000));
    assert.deepEqual(server.requests.map((r) => r.connection), [0, 1, 2], 'none of them is used again');
    assert.equal(pool.idleCount, 0);
  });

  it('a cancel while waiting for the answer rejects with CancelledError and closes the connection', async () => {
    server.reset(() => undefined);
    const controller = new AbortController();
    const pending = keptAliveRequest(request('/never', { signal: controller.signal }));
    await server.received(1);
    controller.abort();
    await assert.rejects(pending, CancelledError);
    await server.closed(1);
    assert.equal(pool.idleCount, 0);
    assert.deepEqual(clientSockets(), [], 'no socket of ours is left');
  });

  it('no answer in time is an ETIMEDOUT, and the connection is closed', async () => {
    server.reset(() => undefined);
    await assert.rejects(keptAliveRequest(request('/slow', { headersTimeoutMs: 50 })), (err: NodeJS.ErrnoException) => err.code === 'ETIMEDOUT');
    await server.closed(1);
    assert.equal(pool.idleCount, 0);
  });

  it('an idle kept connection does not keep the process alive, and close() ends it', async () => {
    server.reset(ok('idle'));
    await keptAliveRequest(request('/idle'));
    assert.equal(pool.idleCount, 1);
    assert.deepEqual(clientSockets(), [], 'the idle socket is unref\'d');
    pool.close();
    await server.closed(1);
  });
});

describe('HttpTransport over kept-alive connections', () => {
  const server = new ScriptedServer();
  before(() => server.start());
  after(() => server.stop());

  it('takes string bodies there, and a 2xx GET too large to hold through undici, streamed', async () => {
    const big = randomBytes(9 * 1024 * 1024);
    server.reset(ok('token'), (socket) => socket.write(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${big.length}\r\n\r\n`), big])));
    const transport = new HttpTransport({ isInsecure: () => true });
    try {
      const base = `http://127.0.0.1:${server.port}`;
      const token = await transport.send({ url: new URL(`${base}/token`), method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=password' });
      assert.equal(await token.body.text(), 'token');
      assert.equal(server.requests[0]!.body.toString(), 'grant_type=password');
      const res = await transport.send({ url: new URL(`${base}/v2/app/tags/list`), method: 'GET', headers: {} });
      const chunks: Buffer[] = [];
      for await (const chunk of res.body) chunks.push(Buffer.from(chunk));
      assert.ok(Buffer.concat(chunks).equals(big));
      // The first GET was left at its head on our connection; undici asked again on its own.
      assert.deepEqual(server.requests.map((r) => [r.connection, r.head.split(' ')[1]]), [[0, '/token'], [0, '/v2/app/tags/list'], [1, '/v2/app/tags/list']]);
    } finally {
      await transport.close();
    }
  });

  it('an error body is held no further than 64 KiB (a 6 MiB 404 is cut there), and its connection is dropped, not drained', async () => {
    const big = Buffer.alloc(6 * 1024 * 1024, 0x61);
    server.reset((socket) => socket.write(Buffer.concat([Buffer.from(`HTTP/1.1 404 Not Found\r\nContent-Length: ${big.length}\r\n\r\n`), big])), ok('next'));
    const transport = new HttpTransport({ isInsecure: () => true });
    try {
      const base = `http://127.0.0.1:${server.port}`;
      const missing = await transport.send({ url: new URL(`${base}/v2/app/manifests/1`), method: 'GET', headers: {} });
      assert.equal(missing.status, 404);
      let held = 0;
      for await (const chunk of missing.body) held += chunk.length;
      assert.equal(held, 64 * 1024);
      const next = await transport.send({ url: new URL(`${base}/v2/`), method: 'GET', headers: {} });
      assert.equal(await next.body.text(), 'next');
      assert.deepEqual(server.requests.map((r) => r.connection), [0, 1]);
    } finally {
      await transport.close();
    }
  });
});

describe('deadlines of our own connections', () => {
  const server = new ScriptedServer();
  before(() => server.start());
  after(() => server.stop());

  it('a registry whose listener never completes a connection (its backlog full) fails with ERR_CONNECT_TIMEOUT on both paths, worded as a connection not made', async () => {
    const silent = await unansweredListener();
    const transport = new HttpTransport({ isInsecure: () => true, connectTimeoutMs: 100, headersTimeoutMs: 5_000 });
    try {
      const url = new URL(`http://127.0.0.1:${silent.port}/v2/`);
      const api = await transport.send({ url, method: 'GET', headers: {} }).catch((err: unknown) => err);
      assert.equal((api as NodeJS.ErrnoException).code, 'ERR_CONNECT_TIMEOUT', String(api));
      const layer = await transport.send({ url: new URL(`http://127.0.0.1:${silent.port}/v2/app/blobs/sha256:0`), method: 'GET', headers: {}, receiverSink: () => undefined }).catch((err: unknown) => err);
      assert.equal((layer as NodeJS.ErrnoException).code, 'ERR_CONNECT_TIMEOUT', String(layer));
      assert.match(networkError(api, `127.0.0.1:${silent.port}`, true).message, /^Could not connect to 127\.0\.0\.1:\d+: no answer to the connection attempt .*reachable/);
    } finally {
      await transport.close();
      silent.stop();
    }
  });

  it('a TLS handshake never answered fails with ERR_CONNECT_TIMEOUT, and leaves no socket', async () => {
    server.reset(() => undefined);
    const mute = createServer((socket) => {
      socket.unref();
      socket.on('error', () => undefined);
    });
    mute.listen(0, '127.0.0.1');
    await once(mute, 'listening');
    const port = (mute.address() as AddressInfo).port;
    const pool = new ConnectionPool();
    try {
      await assert.rejects(
        keptAliveRequest({ pool, key: 'tls', target: { host: '127.0.0.1', port, tls: { rejectUnauthorized: false }, connectTimeoutMs: 100 }, method: 'GET', path: '/v2/', hostHeader: `127.0.0.1:${port}`, headers: {}, headersTimeoutMs: 5_000, bodyTimeoutMs: 600_000, limit: 1024 }),
        (err: NodeJS.ErrnoException) => err.code === 'ERR_CONNECT_TIMEOUT',
      );
      while (clientSockets().length > 0) await new Promise((resolve) => setImmediate(resolve));
    } finally {
      pool.close();
      mute.close();
    }
  });

  it('the wait for the head is a deadline, not an idle time: a head sent a byte at a time still fails with ETIMEDOUT', async () => {
    // The head would take a thousand writes 10 ms apart; the deadline is a tenth of that.
    const head = `HTTP/1.1 200 OK\r\nX-Slow: ${'a'.repeat(1000)}\r\nContent-Length: 0\r\n\r\n`;
    server.reset((socket) => {
      let at = 0;
      const drip = (): void => {
        if (socket.destroyed || at >= head.length) return;
        socket.write(head[at++]!);
        setTimeout(drip, 10);
      };
      drip();
    });
    const pool = new ConnectionPool();
    const transport = new HttpTransport({ isInsecure: () => true, headersTimeoutMs: 300 });
    try {
      const target = { host: '127.0.0.1', port: server.port };
      await assert.rejects(
        keptAliveRequest({ pool, key: 'drip', target, method: 'GET', path: '/v2/', hostHeader: `127.0.0.1:${server.port}`, headers: {}, headersTimeoutMs: 300, bodyTimeoutMs: 600_000, limit: 1024 }),
        (err: NodeJS.ErrnoException) => err.code === 'ETIMEDOUT',
      );
      // A layer GET reads its head on the same kind of connection.
      const layer = await transport.send({ url: new URL(`http://127.0.0.1:${server.port}/v2/app/blobs/sha256:0`), method: 'GET', headers: {}, receiverSink: () => undefined }).catch((err: unknown) => err);
      assert.equal((layer as NodeJS.ErrnoException).code, 'ETIMEDOUT', String(layer));
      await server.closed(2);
    } finally {
      pool.close();
      await transport.close();
    }
  });
});

/**
 * A loopback port whose listener never takes a connection: a child process listening with a
 * backlog of 1, stopped (SIGSTOP), its accept queue filled by connections of our own (Linux holds
 * backlog + 1), so the kernel drops every later SYN, as an unreachable host's network does.
 */
async function unansweredListener(): Promise<{ port: number; stop(): void }> {
  const child: ChildProcess = spawn(process.execPath, ['-e', "require('net').createServer().listen({ port: 0, host: '127.0.0.1', backlog: 1 }, function () { console.log(this.address().port); })"], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  const port = Number(line.toString().trim());
  child.kill('SIGSTOP');
  const fillers = Array.from({ length: 4 }, () => netConnect(port, '127.0.0.1').on('error', () => undefined));
  // Two of them fill the accept queue; the others' SYNs are dropped as ours will be.
  await new Promise<void>((resolve) => {
    let connected = 0;
    for (const f of fillers) f.once('connect', () => ++connected === 2 && resolve());
  });
  return {
    port,
    stop(): void {
      for (const f of fillers) f.destroy();
      child.kill('SIGKILL');
    },
  };
}

/** Client sockets of this process that keep it alive (the servers' own are unref'd). */
function clientSockets(): string[] {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'TLSSocketWrap');
}

// socketGet, the GET that layer downloads read straight off the socket, against loopback servers
// that answer with exactly the bytes each case needs (framing is what is tested here; registry
// behaviour is tested against the real registry in test/integration): a Content-Length body goes
// to the receiver, pauses included; a 2xx it cannot or will not take is left for undici untouched;
// error bodies are read in any framing; a connection that breaks mid-body, an oversized head, a
// cancel and TLS trust each end the way the client expects.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createServer as createTlsServer } from 'node:tls';
import { CancelledError, StevedoreError } from '../../src/core/errors';
import { BodyBrokenOff } from '../../src/core/http/bodyBrokenOff';
import { socketGet, type BodyReceiver, type SocketGetOptions } from '../../src/core/registry/socketGet';
import { makeServerCertificates } from '../helpers/certificates';
import { tempDir } from '../helpers/fixtures';

/** Collects the body; optionally asks to pause after every read and resumes on the next tick. */
class MemoryReceiver implements BodyReceiver {
  private readonly room = Buffer.alloc(256 * 1024);
  private readonly chunks: Buffer[] = [];
  pauses = 0;

  constructor(private readonly pausing = false) {}

  space(): Uint8Array {
    return this.room;
  }

  received(count: number): boolean {
    this.chunks.push(Buffer.from(this.room.subarray(0, count)));
    return !this.pausing;
  }

  whenWritable(resume: () => void): void {
    this.pauses++;
    setImmediate(resume);
  }

  get bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

type Script = (socket: Socket, request: string) => void;

/** A loopback server that reads one request head and runs the script for it. */
async function serve(server: Server, script: () => Script): Promise<{ port: number; requests: string[] }> {
  const requests: string[] = [];
  server.on('connection', (socket) => handle(socket));
  server.on('secureConnection', (socket) => handle(socket));
  function handle(socket: Socket): void {
    let head = '';
    socket.on('error', () => undefined);
    socket.on('data', (data: Buffer) => {
      head += data.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      requests.push(head.slice(0, end));
      socket.removeAllListeners('data');
      script()(socket, head.slice(0, end));
    });
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, requests };
}

// No test here waits for these to fire: they are hang guards, far above a busy machine's pauses.
function options(url: string, receiverFor: SocketGetOptions['receiverFor'], extra: Partial<SocketGetOptions> = {}): SocketGetOptions {
  return { url: new URL(url), headers: { 'user-agent': 'stevedore-test' }, headersTimeoutMs: 600_000, bodyTimeoutMs: 600_000, smallBodyLimit: 64 * 1024, receiverFor, ...extra };
}

describe('socketGet', () => {
  const server = createNetServer();
  let script: Script = () => undefined;
  let port = 0;
  let requests: string[] = [];
  const body = randomBytes(3 * 1024 * 1024 + 17);

  before(async () => {
    ({ port, requests } = await serve(server, () => script));
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const url = (path = '/v2/app/blobs/sha256:abc'): string => `http://127.0.0.1:${port}${path}`;

  it('streams a Content-Length body into the receiver and sends a plain, closing request', async () => {
    script = (socket) => {
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\nDocker-Content-Digest: sha256:abc\r\n\r\n`);
      socket.end(body);
    };
    const receiver = new MemoryReceiver();
    let asked: [number, number] | undefined;
    const res = await socketGet(options(url('/v2/app/blobs/sha256:abc?x=1'), (status, _headers, length) => ((asked = [status, length]), receiver), { headers: { authorization: 'Bearer t', range: 'bytes=0-' } }));
    assert.deepEqual(asked, [200, body.length]);
    assert.equal(res?.streamed, true);
    assert.equal(res?.headers['docker-content-digest'], 'sha256:abc');
    assert.ok(receiver.bytes.equals(body));
    const request = requests.at(-1)!.split('\r\n');
    assert.equal(request[0], 'GET /v2/app/blobs/sha256:abc?x=1 HTTP/1.1');
    assert.ok(request.includes(`Host: 127.0.0.1:${port}`));
    assert.ok(request.includes('authorization: Bearer t') && request.includes('range: bytes=0-'));
    assert.ok(request.includes('Connection: close') && request.includes('Accept-Encoding: identity'));
  });

  it('holds reading while the receiver is behind, and loses nothing', async () => {
    script = (socket) => {
      socket.write(`HTTP/1.1 206 Partial Content\r\nContent-Length: ${body.length}\r\n\r\n`);
      socket.end(body);
    };
    const receiver = new MemoryReceiver(true);
    const res = await socketGet(options(url(), () => receiver));
    assert.equal(res?.status, 206);
    assert.ok(receiver.pauses > 0);
    assert.ok(receiver.bytes.equals(body));
  });

  it('skips 1xx answers before the real one', async () => {
    script = (socket) => socket.end(`HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello`);
    const receiver = new MemoryReceiver();
    const res = await socketGet(options(url(), () => receiver));
    assert.equal(res?.status, 200);
    assert.equal(receiver.bytes.toString(), 'hello');
  });

  it('leaves a 2xx to undici when it is chunked or the caller does not take it', async () => {
    script = (socket) => socket.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n');
    let asked = false;
    assert.equal(
      await socketGet(options(url(), () => {
        asked = true;
        return new MemoryReceiver();
      })),
      undefined,
    );
    assert.equal(asked, false, 'a chunked body is never offered');
    script = (socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello');
    assert.equal(await socketGet(options(url(), () => undefined)), undefined);
  });

  it('reads error bodies whole in any framing, and keeps repeated headers', async () => {
    const json = '{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry"}]}';
    script = (socket) => socket.end(`HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: ${json.length}\r\n\r\n${json}`);
    const notFound = await socketGet(options(url(), () => assert.fail('not offered')));
    assert.deepEqual([notFound?.status, notFound?.streamed, notFound?.body.toString()], [404, false, json]);

    script = (socket) => socket.end(`HTTP/1.1 503 Service Unavailable\r\nTransfer-Encoding: chunked\r\nRetry-After: 1\r\n\r\n4\r\nbusy\r\n7\r\n, later\r\n0\r\n\r\n`);
    const busy = await socketGet(options(url(), () => assert.fail('not offered')));
    assert.deepEqual([busy?.status, busy?.headers['retry-after'], busy?.body.toString()], [503, '1', 'busy, later']);

    script = (socket) => socket.end('HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm="a"\r\nWWW-Authenticate: Bearer realm="b"\r\n\r\nno');
    const denied = await socketGet(options(url(), () => assert.fail('not offered')));
    assert.deepEqual(denied?.headers['www-authenticate'], ['Basic realm="a"', 'Bearer realm="b"']);
    assert.equal(denied?.body.toString(), 'no', 'a body that ends with the connection');

    script = (socket) => socket.end('HTTP/1.1 307 Temporary Redirect\r\nLocation: http://storage/blob\r\nContent-Length: 0\r\n\r\n');
    const redirect = await socketGet(options(url(), () => assert.fail('not offered')));
    assert.deepEqual([redirect?.status, redirect?.headers.location], [307, 'http://storage/blob']);
  });

  it('a connection that breaks mid-body is a BodyBrokenOff after the bytes that came', async () => {
    script = (socket) => {
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`);
      socket.end(body.subarray(0, 1_000_000));
    };
    const receiver = new MemoryReceiver();
    await assert.rejects(socketGet(options(url(), () => receiver)), BodyBrokenOff);
    assert.ok(receiver.bytes.equals(body.subarray(0, 1_000_000)));
  });

  it('a connection closed before the head is a retryable ECONNRESET; a huge head is refused', async () => {
    script = (socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Le');
    await assert.rejects(socketGet(options(url(), () => new MemoryReceiver())), (err: NodeJS.ErrnoException) => err.code === 'ECONNRESET' && !(err instanceof BodyBrokenOff));
    script = (socket) => socket.end(`HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(70_000)}\r\n\r\n`);
    await assert.rejects(socketGet(options(url(), () => new MemoryReceiver())), (err: NodeJS.ErrnoException) => err.code === 'ERR_HEAD_TOO_LARGE');
    script = (socket) => socket.end('SSH-2.0-OpenSSH\r\n\r\n');
    await assert.rejects(socketGet(options(url(), () => new MemoryReceiver())), (err: NodeJS.ErrnoException) => err.code === 'ERR_BAD_RESPONSE');
  });

  it('an error of the receiver (a size overrun) ends the transfer as that error', async () => {
    script = (socket) => {
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`);
      socket.end(body);
    };
    const receiver = new MemoryReceiver();
    receiver.received = () => {
      throw new StevedoreError('SIZE_MISMATCH', 'too much');
    };
    await assert.rejects(socketGet(options(url(), () => receiver)), (err: StevedoreError) => err.code === 'SIZE_MISMATCH');
  });

  it('cancelling stops a stalled transfer with CancelledError', async () => {
    script = (socket) => socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${'x'.repeat(1000)}`);
    const controller = new AbortController();
    const receiver = new MemoryReceiver();
    const pending = socketGet(options(url(), () => receiver, { signal: controller.signal }));
    while (receiver.bytes.length < 1000) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    await assert.rejects(pending, CancelledError);
  });

  it('refuses header values that would split the request', async () => {
    await assert.rejects(socketGet(options(url(), () => undefined, { headers: { range: 'bytes=0-\r\nX-Evil: 1' } })), TypeError);
  });

  it('a chunked error body is decoded as it comes, a few bytes at a time, and one over the limit comes back decoded up to it', async () => {
    const wire = '5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n';
    script = (socket) => {
      socket.write('HTTP/1.1 500 Oops\r\nTransfer-Encoding: chunked\r\n\r\n');
      for (let at = 0; at < wire.length; at += 3) socket.write(wire.slice(at, at + 3));
    };
    const small = await socketGet(options(url(), () => assert.fail('not offered')));
    assert.equal(small?.body.toString(), 'hello world');
    const words = randomBytes(100 * 1024).toString('hex');
    script = (socket) => socket.write(`HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n${words.length.toString(16)}\r\n${words}\r\n0\r\n\r\n`);
    const big = await socketGet(options(url(), () => assert.fail('not offered')));
    assert.equal(big?.body.toString(), words.slice(0, 64 * 1024));
  });
});

describe('socketGet over TLS', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let server: Server;
  let port = 0;
  let ca = '';
  const body = randomBytes(2 * 1024 * 1024);

  before(async () => {
    dir = await tempDir();
    const certs = await makeServerCertificates(dir.path);
    ca = await readFile(certs.caFile, 'utf8');
    server = createTlsServer({ cert: await readFile(certs.certFile), key: await readFile(certs.keyFile) });
    ({ port } = await serve(server, () => (socket) => {
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`);
      socket.end(body);
    }));
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await dir.cleanup();
  });

  it('reads the body through TLS with the CA trusted', async () => {
    const receiver = new MemoryReceiver();
    const res = await socketGet(options(`https://127.0.0.1:${port}/v2/x/blobs/sha256:abc`, () => receiver, { tls: { ca, rejectUnauthorized: true } }));
    assert.equal(res?.streamed, true);
    assert.ok(receiver.bytes.equals(body));
  });

  it('refuses an untrusted certificate with the TLS error code the client explains', async () => {
    await assert.rejects(
      socketGet(options(`https://127.0.0.1:${port}/v2/x/blobs/sha256:abc`, () => new MemoryReceiver(), { tls: { rejectUnauthorized: true } })),
      (err: NodeJS.ErrnoException) => err.code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' || err.code === 'SELF_SIGNED_CERT_IN_CHAIN',
    );
  });
});

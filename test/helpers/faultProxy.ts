// A loopback HTTP proxy in front of a real registry that injects faults on chosen requests: an
// error status (503, 429 with Retry-After), a body cut off or stalled part way, a body with a
// flipped byte, a redirect of blob downloads to a separate "storage" host; for uploads, a status
// given before the request's body is read, and a connection closed part way through the body. It can also page
// tags/list with `n`/`last` and a Link header, which distribution 2.8 does not do itself.
// Everything else passes through unchanged, Host header included, so the registry's upload
// Location URLs point back at the proxy.

import { randomBytes } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export type Fault =
  /**
   * Answer with this status at once; the registry never sees the request. With `early` the answer
   * goes before the request's body is read (which is then read and dropped, as Node's server does).
   */
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: string; early?: boolean }
  /** Close the connection once `afterBytes` bytes of the request's body have arrived (or all of a shorter one); no answer. */
  | { kind: 'cutRequest'; afterBytes: number }
  /**
   * Pass the response through but close the connection after `afterBytes` body bytes. With
   * `ignoreRange` the request goes upstream without its Range header, so a resume gets a 200.
   */
  | { kind: 'truncate'; afterBytes: number; ignoreRange?: boolean }
  /** Answer a 200 whose Content-Length says `length`, then send the whole body anyway and close. */
  | { kind: 'shortLength'; length: number }
  /** Pass the response through with the byte at `atByte` (default: the middle) inverted. */
  | { kind: 'corrupt'; atByte?: number }
  /** Send `afterBytes` body bytes, then nothing more until the proxy stops. */
  | { kind: 'stall'; afterBytes: number }
  /** Fetch the blob from the registry, then answer 307 to the proxy's storage host, which serves it. */
  | { kind: 'redirectToStorage' };

export interface FaultRule {
  method?: string;
  /** Matched against the path with its query string. */
  path: RegExp;
  fault: Fault;
  /** How many matching requests get the fault (default 1). */
  times?: number;
}

export interface ProxiedRequest {
  method: string;
  path: string;
  range?: string;
  authorization: boolean;
  /** Sent with `Connection: close`: stevedore's socket path for layers (socketGet.ts) does, undici does not. */
  connectionClose: boolean;
  /** Fault applied, if any. */
  fault?: Fault['kind'];
  /** Milliseconds since the proxy started (for lower bounds such as Retry-After, never upper ones). */
  at: number;
}

export interface StorageRequest {
  path: string;
  authorization: boolean;
  connectionClose: boolean;
}

export interface FaultProxy {
  host: string;
  url: string;
  inject(rule: FaultRule): void;
  clear(): void;
  /** Serve GET /v2/NAME/tags/list in pages of `n` (default page size when no `n`: all). */
  pageTags: boolean;
  requests: ProxiedRequest[];
  storageRequests: StorageRequest[];
  /** Resolves when a stalled response has sent its bytes, so a test can act while the transfer hangs. */
  stalled: Promise<void>;
  stop(): Promise<void>;
}

export async function startFaultProxy(upstreamUrl: string): Promise<FaultProxy> {
  const upstream = new URL(upstreamUrl);
  const started = Date.now();
  const rules: (FaultRule & { left: number })[] = [];
  const requests: ProxiedRequest[] = [];
  const storageRequests: StorageRequest[] = [];
  const sockets = new Set<Socket>();
  const stored = new Map<string, { body: Buffer; headers: Record<string, string> }>();
  let markStalled: () => void = () => undefined;
  const stalled = new Promise<void>((resolve) => {
    markStalled = resolve;
  });

  const storage = createServer((req, res) => {
    storageRequests.push({ path: req.url ?? '', authorization: Boolean(req.headers.authorization), connectionClose: req.headers.connection === 'close' });
    const blob = stored.get((req.url ?? '').replace(/^\/blob\//, ''));
    if (!blob) return void res.writeHead(404).end();
    res.writeHead(200, blob.headers);
    res.end(blob.body);
  });

  const forward = (req: Pick<IncomingMessage, 'method' | 'url' | 'headers'>, body: Buffer, onResponse: (res: IncomingMessage) => void, onError: (err: Error) => void): void => {
    const out = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      onResponse,
    );
    out.on('error', onError);
    out.end(body);
  };

  const proxy: FaultProxy = {
    host: '',
    url: '',
    pageTags: false,
    requests,
    storageRequests,
    stalled,
    inject: (rule) => {
      rules.push({ ...rule, left: rule.times ?? 1 });
    },
    clear: () => {
      rules.length = 0;
    },
    stop: async () => {
      for (const s of sockets) s.destroy();
      await Promise.all([close(server), close(storage)]);
    },
  };

  const server = createServer((req, res) => {
    void (async () => {
      const path = req.url ?? '/';
      const rule = rules.find((r) => r.left > 0 && (!r.method || r.method === req.method) && r.path.test(path));
      if (rule) rule.left--;
      const record: ProxiedRequest = {
        method: req.method ?? 'GET',
        path,
        authorization: Boolean(req.headers.authorization),
        connectionClose: req.headers.connection === 'close',
        at: Date.now() - started,
      };
      if (typeof req.headers.range === 'string') record.range = req.headers.range;
      if (rule) record.fault = rule.fault.kind;
      requests.push(record);
      const fault = rule?.fault;
      if (fault?.kind === 'status' && fault.early) {
        res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
        res.end(fault.body ?? JSON.stringify({ errors: [{ code: 'UNAVAILABLE', message: `injected ${fault.status}` }] }));
        return;
      }
      if (fault?.kind === 'cutRequest') {
        let received = 0;
        req.on('data', (c: Buffer) => {
          received += c.length;
          if (received >= fault.afterBytes) req.socket.destroy();
        });
        // A body shorter than that is cut at its end, still unanswered.
        req.on('end', () => req.socket.destroy());
        return;
      }
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = Buffer.concat(chunks);

      if (fault?.kind === 'status') {
        res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
        res.end(fault.body ?? JSON.stringify({ errors: [{ code: 'UNAVAILABLE', message: `injected ${fault.status}` }] }));
        return;
      }
      if (proxy.pageTags && req.method === 'GET' && /^\/v2\/.+\/tags\/list(\?|$)/.test(path)) {
        return pageTagsList(req, body, res);
      }
      const upstreamReq = fault?.kind === 'truncate' && fault.ignoreRange ? { method: req.method, url: req.url, headers: withoutRange(req.headers) } : req;
      forward(upstreamReq, body, (up) => {
        if (fault?.kind === 'shortLength' && up.statusCode === 200) {
          // Written on the socket itself: Node's server would refuse a body longer than its length.
          const parts: Buffer[] = [];
          up.on('data', (c: Buffer) => parts.push(c));
          up.on('end', () => {
            const head = [`HTTP/1.1 200 OK`, `Content-Type: application/octet-stream`, `Content-Length: ${fault.length}`, 'Connection: close', '', ''].join('\r\n');
            const socket = res.socket!;
            socket.end(Buffer.concat([Buffer.from(head, 'latin1'), ...parts]));
          });
          return;
        }
        if (fault?.kind === 'redirectToStorage' && up.statusCode === 200) {
          const parts: Buffer[] = [];
          up.on('data', (c: Buffer) => parts.push(c));
          up.on('end', () => {
            const id = randomBytes(8).toString('hex');
            const blob = Buffer.concat(parts);
            stored.set(id, { body: blob, headers: { 'content-type': 'application/octet-stream', 'content-length': String(blob.length) } });
            const address = storage.address();
            const port = typeof address === 'object' && address ? address.port : 0;
            res.writeHead(307, { location: `http://127.0.0.1:${port}/blob/${id}`, 'content-length': '0' });
            res.end();
          });
          return;
        }
        res.writeHead(up.statusCode ?? 502, up.headers);
        if (!fault || up.statusCode! >= 300) {
          up.pipe(res);
          return;
        }
        let sent = 0;
        const total = Number(up.headers['content-length'] ?? 0);
        const flipAt = fault.kind === 'corrupt' ? (fault.atByte ?? Math.floor(total / 2)) : -1;
        up.on('data', (chunk: Buffer) => {
          if (fault.kind === 'truncate' || fault.kind === 'stall') {
            const room = fault.afterBytes - sent;
            if (room <= 0) return;
            const part = chunk.subarray(0, room);
            sent += part.length;
            res.write(part);
            if (sent >= fault.afterBytes) {
              if (fault.kind === 'truncate') {
                // A graceful close after the bytes already written: exactly `afterBytes` arrive.
                up.destroy();
                res.socket?.end();
              } else {
                up.pause();
                markStalled();
              }
            }
            return;
          }
          if (flipAt >= sent && flipAt < sent + chunk.length) {
            chunk = Buffer.from(chunk);
            chunk[flipAt - sent] = chunk[flipAt - sent]! ^ 0xff;
          }
          sent += chunk.length;
          res.write(chunk);
        });
        up.on('end', () => res.end());
      }, () => {
        res.writeHead(502).end();
      });
    })();
  });

  const pageTagsList = (req: IncomingMessage, body: Buffer, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const n = Number(url.searchParams.get('n') ?? 0);
    const last = url.searchParams.get('last');
    const full = new URL(url.href);
    full.search = '';
    forward({ url: full.pathname, method: 'GET', headers: req.headers }, body, (up) => {
      const parts: Buffer[] = [];
      up.on('data', (c: Buffer) => parts.push(c));
      up.on('end', () => {
        if (up.statusCode !== 200) {
          res.writeHead(up.statusCode ?? 502, up.headers);
          res.end(Buffer.concat(parts));
          return;
        }
        const doc = JSON.parse(Buffer.concat(parts).toString('utf8')) as { name: string; tags: string[] };
        const sorted = [...doc.tags].sort();
        const from = last ? sorted.findIndex((t) => t > last) : 0;
        const start = from < 0 ? sorted.length : from;
        const page = n > 0 ? sorted.slice(start, start + n) : sorted.slice(start);
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (n > 0 && start + n < sorted.length) headers.link = `<${url.pathname}?n=${n}&last=${encodeURIComponent(page[page.length - 1]!)}>; rel="next"`;
        res.writeHead(200, headers);
        res.end(JSON.stringify({ name: doc.name, tags: page }));
      });
    }, () => res.writeHead(502).end());
  };

  for (const s of [server, storage]) s.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await Promise.all([listen(server), listen(storage)]);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  proxy.host = `127.0.0.1:${port}`;
  proxy.url = `http://127.0.0.1:${port}`;
  return proxy;
}

function withoutRange(headers: IncomingMessage['headers']): IncomingMessage['headers'] {
  const copy = { ...headers };
  delete copy.range;
  return copy;
}

function listen(server: Server): Promise<void> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

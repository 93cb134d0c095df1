// A loopback TCP relay in front of a server (a real registry) that counts the connections it
// accepts and tells TLS ones (the first byte is a handshake record, 0x16) from plain ones, whose
// request heads it also reads (stepping over bodies by their Content-Length or chunks): enough to see how many connections a command opened for how many
// requests, whichever HTTP client it used, without touching what passes.

import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

export interface RelayedConnection {
  tls: boolean;
  /** Request lines seen on a plain connection ("HEAD /v2/…/blobs/sha256:…"). */
  requests: string[];
  /** Those of `requests` whose body came chunked (`Transfer-Encoding: chunked`). */
  chunked: string[];
}

export interface CountingRelay {
  /** '127.0.0.1:PORT' */
  host: string;
  port: number;
  connections: RelayedConnection[];
  /** Forgets the connections counted so far. */
  reset(): void;
  /** Relays new connections to another port (a server that took the first one's place). */
  retarget(port: number): void;
  stop(): Promise<void>;
}

export async function startCountingRelay(upstreamPort: number): Promise<CountingRelay> {
  const sockets = new Set<Socket>();
  let target = upstreamPort;
  const relay: CountingRelay = {
    host: '',
    port: 0,
    connections: [],
    reset: () => void (relay.connections = []),
    retarget: (port) => void (target = port),
    stop: async () => undefined,
  };
  const server = createServer((client) => {
    const record: RelayedConnection = { tls: false, requests: [], chunked: [] };
    const heads = new RequestHeads(record);
    relay.connections.push(record);
    const upstream = connect({ host: '127.0.0.1', port: target });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    let first = true;
    client.on('data', (data: Buffer) => {
      if (first) record.tls = data[0] === 0x16;
      first = false;
      if (!record.tls) heads.feed(data);
      upstream.write(data);
    });
    upstream.on('data', (data: Buffer) => client.write(data));
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  relay.port = (server.address() as AddressInfo).port;
  relay.host = `127.0.0.1:${relay.port}`;
  relay.stop = async () => {
    for (const s of sockets) s.destroy();
    server.close();
    await once(server, 'close');
  };
  return relay;
}

/** Reads request heads off a plain connection, stepping over each body as its head frames it. */
class RequestHeads {
  private pending: Buffer = Buffer.alloc(0);
  /** Bytes of body (or of a chunk and its CRLF) still to step over. */
  private skip = 0;
  private state: 'head' | 'chunk-size' | 'trailer' = 'head';

  constructor(private readonly record: RelayedConnection) {}

  feed(data: Buffer): void {
    this.pending = this.pending.length === 0 ? data : Buffer.concat([this.pending, data]);
    for (;;) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, this.pending.length);
        this.skip -= n;
        this.pending = this.pending.subarray(n);
        if (this.skip > 0) return;
      }
      if (this.state === 'head') {
        const end = this.pending.indexOf('\r\n\r\n');
        if (end < 0) return;
        const [line, ...fields] = this.pending.subarray(0, end).toString('latin1').split('\r\n');
        this.pending = this.pending.subarray(end + 4);
        const request = line!.replace(/ HTTP\/1\.[01]$/, '');
        this.record.requests.push(request);
        if (fields.some((f) => /^transfer-encoding:\s*chunked\s*$/i.test(f))) {
          this.record.chunked.push(request);
          this.state = 'chunk-size';
        } else this.skip = Number(/^content-length:\s*(\d+)/im.exec(fields.join('\n'))?.[1] ?? 0);
        continue;
      }
      const lineEnd = this.pending.indexOf('\r\n');
      if (lineEnd < 0) return;
      const text = this.pending.subarray(0, lineEnd).toString('latin1');
      this.pending = this.pending.subarray(lineEnd + 2);
      if (this.state === 'chunk-size') {
        const size = parseInt(text.split(';')[0]!, 16);
        if (size === 0) this.state = 'trailer';
        else this.skip = size + 2;
      } else if (text === '') this.state = 'head';
    }
  }
}

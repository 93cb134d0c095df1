// A loopback TCP relay in front of a server (a real registry) that counts the connections it
// accepts and tells TLS ones (the first byte is a handshake record, 0x16) from plain ones, whose
// request lines it also reads: enough to see how many connections a command opened for how many
// requests, whichever HTTP client it used, without touching what passes.

import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

export interface RelayedConnection {
  tls: boolean;
  /** Request lines seen on a plain connection ("HEAD /v2/…/blobs/sha256:…"). */
  requests: string[];
}

export interface CountingRelay {
  /** '127.0.0.1:PORT' */
  host: string;
  port: number;
  connections: RelayedConnection[];
  /** Forgets the connections counted so far. */
  reset(): void;
  stop(): Promise<void>;
}

export async function startCountingRelay(upstreamPort: number): Promise<CountingRelay> {
  const sockets = new Set<Socket>();
  const relay: CountingRelay = { host: '', port: 0, connections: [], reset: () => void (relay.connections = []), stop: async () => undefined };
  const server = createServer((client) => {
    const record: RelayedConnection = { tls: false, requests: [] };
    relay.connections.push(record);
    const upstream = connect({ host: '127.0.0.1', port: upstreamPort });
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
    let text = '';
    client.on('data', (data: Buffer) => {
      if (first) record.tls = data[0] === 0x16;
      first = false;
      if (!record.tls) {
        text += data.toString('latin1');
        const lines = text.split('\r\n');
        text = lines.pop()!;
        for (const line of lines) if (/^[A-Z]+ \S+ HTTP\/1\.[01]$/.test(line)) record.requests.push(line.replace(/ HTTP\/1\.[01]$/, ''));
      }
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

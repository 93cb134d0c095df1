// A small HTTP server of the tests that serves a folder read-only (404 for anything missing), as a
// lookaside signature server would: GET only, paths kept inside the folder; over HTTPS when given a
// certificate. Stop it with close().

import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { join, normalize } from 'node:path';

export interface FileServer {
  url: string;
  /** Paths asked for, in order (decoded), so tests can see what was read. */
  requests: string[];
  close(): Promise<void>;
}

export async function serveFolder(root: string, tls?: { certFile: string; keyFile: string }): Promise<FileServer> {
  const requests: string[] = [];
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(path);
    const file = normalize(join(root, path));
    if (req.method !== 'GET' || !file.startsWith(root)) {
      res.writeHead(405).end();
      return;
    }
    readFile(file).then(
      (bytes) => res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.length }).end(bytes),
      () => res.writeHead(404).end('not found'),
    );
  };
  const server = tls ? createTlsServer({ cert: await readFile(tls.certFile), key: await readFile(tls.keyFile) }, handler) : createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

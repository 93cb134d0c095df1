// A small HTTP server of the tests that serves a folder read-only (404 for anything missing), as a
// lookaside signature server would: GET only, paths kept inside the folder. Stop it with close().

import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join, normalize } from 'node:path';

export interface FileServer {
  url: string;
  /** Paths asked for, in order (decoded), so tests can see what was read. */
  requests: string[];
  close(): Promise<void>;
}

export async function serveFolder(root: string): Promise<FileServer> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
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
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

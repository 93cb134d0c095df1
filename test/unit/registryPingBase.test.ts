// Where the registry client sends its requests after the /v2/ ping of an insecure registry: the
// origin that answered. A plain-HTTP address whose /v2/ redirects to a TLS server (a registry moved
// to TLS, a proxy in front of it) must not keep later requests, and their credentials, on plain
// HTTP; and a remembered plain-HTTP registry (plainHttpMemory.ts) is not decided by a redirect.
// Scripted loopback servers stand in for the two ends of the redirect: what is under test is the
// client's choice of origin, which a real registry cannot be made to provoke.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { RegistryClient } from '../../src/core/registry/registryClient';
import { makeServerCertificates } from '../helpers/certificates';
import { tempDir } from '../helpers/fixtures';

describe('an insecure registry whose plain-HTTP /v2/ redirects to TLS', () => {
  const seen: string[] = [];
  let servers: Server[] = [];
  let plainPort = 0;
  let cleanup: () => Promise<void>;
  before(async () => {
    const dir = await tempDir();
    cleanup = dir.cleanup;
    const certs = await makeServerCertificates(dir.path);
    const tls = createTlsServer({ cert: await readFile(certs.certFile), key: await readFile(certs.keyFile) }, (req, res) => {
      seen.push(`https ${req.url} ${req.headers.authorization ? 'with credentials' : 'anonymous'}`);
      if (!req.headers.authorization) return void res.writeHead(401, { 'www-authenticate': 'Basic realm="r"', 'content-length': '0' }).end();
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '2' }).end('{}');
    });
    tls.listen(0, '127.0.0.1');
    await once(tls, 'listening');
    const tlsPort = (tls.address() as AddressInfo).port;
    const plain = createServer((req, res) => {
      seen.push(`http ${req.url} ${req.headers.authorization ? 'with credentials' : 'anonymous'}`);
      res.writeHead(301, { location: `https://127.0.0.1:${tlsPort}${req.url}`, 'content-length': '0' }).end();
    });
    plain.listen(0, '127.0.0.1');
    await once(plain, 'listening');
    plainPort = (plain.address() as AddressInfo).port;
    servers = [tls, plain];
  });
  after(async () => {
    for (const server of servers) server.close();
    await cleanup();
  });

  for (const remembered of [false, true]) {
    it(`sends its credentials only over TLS${remembered ? ', though remembered as plain HTTP' : ''}`, async () => {
      seen.length = 0;
      const told: [string, boolean][] = [];
      const client = new RegistryClient(`127.0.0.1:${plainPort}`, {
        retry: { attempts: 1 },
        credentials: async () => ({ username: 'u', password: 'secret' }),
        plainHttpMemory: { spokePlainHttp: async () => remembered, remember: async (host, plainHttp) => void told.push([host, plainHttp]) },
      });
      try {
        const res = await client.request({ method: 'GET', url: '/v2/app/manifests/1', scopes: [] });
        assert.equal(res.status, 200, seen.join('\n'));
        await res.body.dump();
      } finally {
        await client.close();
      }
      assert.ok(!seen.some((line) => line.startsWith('http ') && line.endsWith('with credentials')), seen.join('\n'));
      assert.ok(seen.includes('https /v2/app/manifests/1 with credentials'), seen.join('\n'));
      // Reached over TLS in the end: not remembered as plain HTTP.
      assert.deepEqual(told, [[`127.0.0.1:${plainPort}`, false]]);
    });
  }
});

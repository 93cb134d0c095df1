// The `stevedore` executable (dist/cli.js run as a program, as npm's bin link runs it) starts Node
// without NODE_EXTRA_CA_CERTS, which Node 20 would parse before any script runs, and the CLI reads
// those certificates when a verified TLS connection needs them (src/core/http/deferredCas.ts).
// Checked against the real registry over TLS with a throw-away CA that only the variable names.

import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeServerCertificates } from '../helpers/certificates';
import { CLI, run, runCli } from '../helpers/cli';
import { serveFolder, type FileServer } from '../helpers/fileServer';
import { importBuffer, randomRootfs, tempDir } from '../helpers/fixtures';
import { FileImageStore } from '../../src/core/store/fileImageStore';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { nonLoopbackAddress, startRegistry, type RunningRegistry } from '../helpers/registry';

describe('the stevedore executable and NODE_EXTRA_CA_CERTS', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let registry: RunningRegistry;
  let files: FileServer;
  let otherCa: string;
  let preload: string;
  let ref: string;
  let search: { url: string; caFile: string; server: Server };
  let redirect: Server;
  let redirectUrl: string;

  before(async () => {
    ({ path: dir, cleanup } = await tempDir());
    registry = await startRegistry({ tls: true });
    ref = `${registry.host}/deferred/app:1`;
    const source = await FileImageStore.open(join(dir, 'source'));
    await importBuffer(source, await randomRootfs(2, 100_000), ref);
    // Loopback registries are trusted blindly by default (as Docker does): the push needs no CA.
    const push = await runCli(source.root, ['push', ref]);
    assert.equal(push.code, 0, push.stderr);
    await mkdir(join(dir, 'other'));
    otherCa = (await makeServerCertificates(join(dir, 'other'))).caFile;
    // A file server over TLS with a certificate of the registry's CA, for `import URL`.
    await mkdir(join(dir, 'www'));
    await writeFile(join(dir, 'www', 'rootfs.tar'), await randomRootfs(2, 50_000));
    const serverDir = join(dir, 'www-certs');
    await mkdir(serverDir);
    const certs = await makeServerCertificates(serverDir);
    files = await serveFolder(join(dir, 'www'), certs);
    await writeFile(join(dir, 'www-ca.crt'), await readFile(certs.caFile));
    // A search service over TLS on an address that is not loopback (loopback search endpoints are not verified).
    const address = nonLoopbackAddress();
    await mkdir(join(dir, 'search-certs'));
    const searchCerts = await makeServerCertificates(join(dir, 'search-certs'), [address]);
    const results = JSON.stringify({ num_results: 1, results: [{ name: 'deferred/hello', description: 'found through TLS', star_count: 3 }] });
    const searchServer = createHttpsServer({ cert: await readFile(searchCerts.certFile), key: await readFile(searchCerts.keyFile) }, (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(results));
    await new Promise<void>((resolve) => searchServer.listen(0, address, resolve));
    search = { url: `https://${address}:${(searchServer.address() as { port: number }).port}`, caFile: searchCerts.caFile, server: searchServer };
    // A plain-http URL that redirects to the https file server.
    redirect = createHttpServer((_req, res) => res.writeHead(302, { location: `${files.url}/rootfs.tar` }).end());
    await new Promise<void>((resolve) => redirect.listen(0, '127.0.0.1', resolve));
    redirectUrl = `http://127.0.0.1:${(redirect.address() as { port: number }).port}/rootfs.tar`;
    // What Node was started with, written before the CLI runs a line of its own.
    preload = join(dir, 'preload.cjs');
    await writeFile(preload, `require('fs').appendFileSync(process.env.SEEN_OUT, JSON.stringify({ atStart: process.env.NODE_EXTRA_CA_CERTS ?? null, deferred: process.env.STEVEDORE_DEFERRED_CA_CERTS ?? null }) + '\\n');\n`);
  });
  after(async () => {
    search?.server.close();
    redirect?.close();
    await files?.close();
    await registry?.stop();
    await cleanup?.();
  });

  const verifying = (caFile: string, seen: string): NodeJS.ProcessEnv => ({ STEVEDORE_SECURE_LOOPBACK: '1', NODE_EXTRA_CA_CERTS: caFile, NODE_OPTIONS: `--require ${preload}`, SEEN_OUT: seen });
  const seenIn = async (file: string): Promise<{ atStart: string | null; deferred: string | null }[]> =>
    (await readFile(file, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { atStart: string | null; deferred: string | null });

  it('starts Node without the variable, and a verified pull still trusts the CA it names', async () => {
    const seen = join(dir, 'seen-pull');
    const pull = await run(CLI, ['--store', join(dir, 'pulled'), 'pull', ref], { env: verifying(registry.caFile!, seen) });
    assert.equal(pull.code, 0, pull.stderr);
    assert.match(pull.stdout, /Downloaded newer image/);
    assert.deepEqual(await seenIn(seen), [{ atStart: null, deferred: registry.caFile }]);
  });

  it('a CA the variable does not name is refused, with the advice a TLS failure gets', async () => {
    const pull = await run(CLI, ['--store', join(dir, 'refused'), 'pull', ref], { env: verifying(otherCa, join(dir, 'seen-refused')) });
    assert.equal(pull.code, 1);
    assert.match(pull.stderr, new RegExp(`TLS certificate of ${registry.host} is not trusted`));
  });

  it('`node dist/cli.js` is Node as usual: the variable is read at start, and trusted', async () => {
    const seen = join(dir, 'seen-node');
    const pull = await run(process.execPath, [CLI, '--store', join(dir, 'pulled-node'), 'pull', ref], { env: verifying(registry.caFile!, seen) });
    assert.equal(pull.code, 0, pull.stderr);
    assert.deepEqual(await seenIn(seen), [{ atStart: registry.caFile, deferred: null }]);
  });

  it('import from an https URL trusts the CA the variable names', async () => {
    const env = verifying(join(dir, 'www-ca.crt'), join(dir, 'seen-import'));
    const imported = await run(CLI, ['--store', join(dir, 'imported'), 'import', `${files.url}/rootfs.tar`, 'from/url:1'], { env });
    assert.equal(imported.code, 0, imported.stderr);
    const refused = await run(CLI, ['--store', join(dir, 'imported'), 'import', `${files.url}/rootfs.tar`, 'from/url:2'], { env: { ...env, NODE_EXTRA_CA_CERTS: otherCa } });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /Could not download .*certificate/i);
  });

  it('Node started with --use-openssl-ca keeps trusting the system store besides the deferred CAs', async () => {
    // The registry's CA is in the "system" store (SSL_CERT_FILE); the variable names an unrelated one.
    const env = { ...verifying(otherCa, join(dir, 'seen-openssl')), NODE_OPTIONS: `--use-openssl-ca --require ${preload}`, SSL_CERT_FILE: registry.caFile! };
    const pull = await run(CLI, ['--store', join(dir, 'pulled-openssl'), 'pull', ref], { env });
    assert.equal(pull.code, 0, pull.stderr);
  });

  it('search over TLS trusts the CA the variable names', async () => {
    const env = { ...verifying(search.caFile, join(dir, 'seen-search')), STEVEDORE_SEARCH_ENDPOINT: search.url };
    const found = await run(CLI, ['--store', join(dir, 'search'), 'search', 'hello'], { env });
    assert.equal(found.code, 0, found.stderr);
    assert.match(found.stdout, /deferred\/hello\s+found through TLS/);
    const refused = await run(CLI, ['--store', join(dir, 'search'), 'search', 'hello'], { env: { ...env, NODE_EXTRA_CA_CERTS: otherCa } });
    assert.equal(refused.code, 1);
  });

  it('an http URL that redirects to https trusts the CA the variable names', async () => {
    const env = verifying(join(dir, 'www-ca.crt'), join(dir, 'seen-redirect'));
    const imported = await run(CLI, ['--store', join(dir, 'imported'), 'import', redirectUrl, 'from/redirect:1'], { env });
    assert.equal(imported.code, 0, imported.stderr);
  });
});

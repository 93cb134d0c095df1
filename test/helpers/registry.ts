// Starts Debian's real `docker-registry` (distribution 2.8) on a free loopback port, in one of four
// setups: plain HTTP, TLS with a throw-away CA, htpasswd Basic auth, or Bearer tokens from a token
// service the registry trusts. Stop it with `stop()` (by PID) in an `after` hook.
//
//   const registry = await startRegistry({});            // plain HTTP
//   registry.host  → '127.0.0.1:40123'; registry.url → 'http://127.0.0.1:40123'

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { makeServerCertificates } from './certificates';

export interface StartRegistryOptions {
  /** Serve HTTPS with a certificate signed by a CA made for this registry (`caFile`). */
  tls?: boolean;
  /** Require Basic auth for this user. */
  htpasswd?: { username: string; password: string };
  /** Require Bearer tokens from this token service (see tokenService.ts). */
  token?: { realm: string; service: string; issuer: string; rootCertBundle: string };
  /** Keep blobs in this folder (default: a fresh one, removed by stop()). */
  storageDir?: string;
  /** The IPv4 address to listen on (default 127.0.0.1); see nonLoopbackAddress(). */
  listen?: string;
}

export interface RunningRegistry {
  /** '127.0.0.1:PORT', as image references name it. */
  host: string;
  /** 'http://127.0.0.1:PORT' or 'https://…'. */
  url: string;
  port: number;
  /** The CA that signed the registry's certificate (TLS setups only). */
  caFile?: string;
  storageDir: string;
  pid: number;
  stop(): Promise<void>;
}

/** A port nothing listens on right now (the OS picks it; the registry binds it a moment later). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startRegistry(options: StartRegistryOptions = {}): Promise<RunningRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'stevedore-registry-'));
  const storageDir = options.storageDir ?? join(dir, 'storage');
  const lines = [
    'version: 0.1',
    'log: { level: error, accesslog: { disabled: true } }',
    'storage:',
    `  filesystem: { rootdirectory: "${storageDir}" }`,
    '  delete: { enabled: true }',
    '  maintenance: { uploadpurging: { enabled: false } }',
    'http:',
    `  secret: test-secret-${process.pid}`,
    '  addr: 127.0.0.1:PORT',
  ];
  let caFile: string | undefined;
  if (options.tls) {
    const certs = await makeServerCertificates(dir);
    caFile = certs.caFile;
    lines.push(`  tls: { certificate: "${certs.certFile}", key: "${certs.keyFile}" }`);
  }
  if (options.htpasswd) {
    const { stdout } = await promisify(execFile)('htpasswd', ['-Bbn', options.htpasswd.username, options.htpasswd.password]);
    const file = join(dir, 'htpasswd');
    await writeFile(file, stdout);
    lines.push('auth:', `  htpasswd: { realm: stevedore-test, path: "${file}" }`);
  } else if (options.token) {
    const t = options.token;
    lines.push('auth:', '  token:', `    realm: "${t.realm}"`, `    service: "${t.service}"`, `    issuer: "${t.issuer}"`, `    rootcertbundle: "${t.rootCertBundle}"`);
  }

  const listen = options.listen ?? '127.0.0.1';
  // The port is chosen then bound by the registry; if another process takes it in between, try again.
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const config = join(dir, 'config.yml');
    await writeFile(config, [...lines, ''].join('\n').replace('127.0.0.1:PORT', `${listen}:${port}`));
    const child = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => {
      stderr = (stderr + c.toString()).slice(-4000);
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    const url = `${options.tls ? 'https' : 'http'}://${listen}:${port}`;
    const ready = await waitForApi(url, () => child.exitCode !== null || child.signalCode !== null);
    if (!ready) {
      await closed; // all of stderr is in
      if (attempt < 3 && /address already in use/i.test(stderr)) continue;
      await rm(dir, { recursive: true, force: true });
      throw new Error(`docker-registry did not start: ${stderr}`);
    }
    return {
      host: `${listen}:${port}`,
      url,
      port,
      ...(caFile ? { caFile } : {}),
      storageDir,
      pid: child.pid!,
      stop: async () => {
        await stopProcess(child, exited);
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
}

/** Stops a child by its PID and waits for it to exit. */
export async function stopProcess(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
    try {
      process.kill(child.pid, 'SIGTERM');
    } catch {
      return;
    }
    await exited;
  }
}

/**
 * Polls GET /v2/ until the registry answers (200, or 401 when it wants auth): true, or false once
 * it has exited. No time limit: on a busy machine the registry may take long to start.
 */
async function waitForApi(url: string, exited: () => boolean): Promise<boolean> {
  for (;;) {
    if (exited()) return false;
    const status = await new Promise<number>((resolve) => {
      const req = (url.startsWith('https') ? httpsRequest : httpRequest)(`${url}/v2/`, { method: 'GET', rejectUnauthorized: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', () => resolve(0));
      req.end();
    });
    if (status === 200 || status === 401) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * This machine's first IPv4 address that is not loopback: a registry there is not "local" to the
 * client, so proxy settings apply to it (loopback is never proxied). Fails if there is none.
 */
export function nonLoopbackAddress(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  throw new Error('this machine has no IPv4 address besides loopback; the proxy tests need one');
}

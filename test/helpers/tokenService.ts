// A small token service of the tests' own, speaking the distribution spec's token protocol, whose
// signing certificate a real `docker-registry` trusts through `auth: token: rootcertbundle`. It
// issues RS256 JWTs with an `x5c` header (which distribution verifies against the bundle), checks
// Basic credentials, grants per a policy, and issues and redeems OAuth2 refresh tokens.
//
//   const tokens = await startTokenService({ users: { alice: 'secret' } });
//   const registry = await startRegistry({ token: tokens.registryAuth });

import { createPrivateKey, randomBytes, sign, type KeyObject } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeSigningCertificate } from './certificates';

export interface TokenServiceOptions {
  users: Record<string, string>;
  /**
   * Actions granted to `account` (undefined when anonymous) on a resource; by default a known user
   * gets every action asked for and an anonymous caller gets nothing.
   */
  grant?: (account: string | undefined, type: string, name: string, requested: string[]) => string[];
  /** Token lifetime in seconds (default 300). */
  expiresIn?: number;
}

export interface TokenRequestRecord {
  method: string;
  account: string | undefined;
  scopes: string[];
  grantType?: string;
  offline: boolean;
  /** Whether an Authorization header came along. */
  authorized: boolean;
}

export interface RunningTokenService {
  realm: string;
  service: string;
  issuer: string;
  certFile: string;
  /** What `startRegistry({ token })` needs. */
  registryAuth: { realm: string; service: string; issuer: string; rootCertBundle: string };
  requests: TokenRequestRecord[];
  stop(): Promise<void>;
}

const SERVICE = 'stevedore-test-registry';
const ISSUER = 'stevedore-test-token-service';

export async function startTokenService(options: TokenServiceOptions): Promise<RunningTokenService> {
  const dir = await mkdtemp(join(tmpdir(), 'stevedore-tokens-'));
  const { certFile, keyFile } = await makeSigningCertificate(dir);
  const key = createPrivateKey(await readFile(keyFile));
  const certDer = (await readFile(certFile, 'utf8')).replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  const refreshTokens = new Map<string, string>();
  const requests: TokenRequestRecord[] = [];
  const grant = options.grant ?? ((account, _type, _name, requested) => (account ? requested : []));

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code: 'UNKNOWN', message: String(err) }] }));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/token') {
      res.writeHead(404).end();
      return;
    }
    let params = url.searchParams;
    if (req.method === 'POST') {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      params = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    }
    const scopes = params.getAll('scope').flatMap((s) => s.split(' ')).filter(Boolean);
    const grantType = params.get('grant_type') ?? undefined;
    const offline = params.get('offline_token') === 'true' || params.get('access_type') === 'offline';
    let account: string | undefined;
    const basic = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '');
    const record: TokenRequestRecord = { method: req.method ?? 'GET', account: undefined, scopes, offline, authorized: Boolean(req.headers.authorization), ...(grantType ? { grantType } : {}) };
    requests.push(record);
    if (grantType === 'refresh_token') {
      account = refreshTokens.get(params.get('refresh_token') ?? '');
      if (!account) return deny(res, 'invalid refresh token');
    } else if (grantType === 'password') {
      const user = params.get('username') ?? '';
      if (options.users[user] === undefined || options.users[user] !== params.get('password')) return deny(res, 'incorrect username or password');
      account = user;
    } else if (basic) {
      const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const user = decoded.slice(0, colon);
      if (colon < 0 || options.users[user] === undefined || options.users[user] !== decoded.slice(colon + 1)) return deny(res, 'incorrect username or password');
      account = user;
    }
    record.account = account;
    const access = scopes.map(parseScope).filter((s): s is NonNullable<typeof s> => s !== undefined).map((s) => ({ type: s.type, name: s.name, actions: grant(account, s.type, s.name, s.actions) }));
    const now = Math.floor(Date.now() / 1000);
    const expiresIn = options.expiresIn ?? 300;
    const token = signJwt(key, certDer, { iss: ISSUER, sub: account ?? '', aud: SERVICE, exp: now + expiresIn, nbf: now - 10, iat: now, jti: randomBytes(8).toString('hex'), access });
    const body: Record<string, unknown> = { token, access_token: token, expires_in: expiresIn, issued_at: new Date(now * 1000).toISOString() };
    if (offline && account) {
      const refresh = randomBytes(16).toString('hex');
      refreshTokens.set(refresh, account);
      body.refresh_token = refresh;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const realm = `http://127.0.0.1:${port}/token`;
  return {
    realm,
    service: SERVICE,
    issuer: ISSUER,
    certFile,
    registryAuth: { realm, service: SERVICE, issuer: ISSUER, rootCertBundle: certFile },
    requests,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function deny(res: ServerResponse, message: string): void {
  res.writeHead(401, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message }] }));
}

function parseScope(scope: string): { type: string; name: string; actions: string[] } | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first < 0 || last === first) return undefined;
  return { type: scope.slice(0, first), name: scope.slice(first + 1, last), actions: scope.slice(last + 1).split(',').filter(Boolean) };
}

function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

function signJwt(key: KeyObject, certDer: string, claims: Record<string, unknown>): string {
  const header = base64url(JSON.stringify({ typ: 'JWT', alg: 'RS256', x5c: [certDer] }));
  const payload = base64url(JSON.stringify(claims));
  const signature = sign('RSA-SHA256', Buffer.from(`${header}.${payload}`), key);
  return `${header}.${payload}.${base64url(signature)}`;
}

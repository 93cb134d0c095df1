// The Bearer token flow of the distribution spec (docs/spec/auth/token.md and oauth.md): ask the
// realm named in the challenge for a token covering the scopes a request needs, with Basic
// credentials when we have them, or exchange an identity (refresh) token with an OAuth2 POST.
// Tokens are cached per set of scopes until shortly before they expire.

import { StevedoreError } from '../errors';
import type { AuthChallenge } from './authChallenge';
import type { RegistryCredential } from './credentials';
import { parseDiagnostics } from './registryError';

export interface TokenTransportResponse {
  status: number;
  text: string;
}

/** Sends one small request to the token service (retries and TLS are the caller's business). */
export type TokenTransport = (url: URL, init: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: string }) => Promise<TokenTransportResponse>;

export interface IssuedToken {
  token: string;
  /** Local clock time after which the token is not used again. */
  expiresAt: number;
  /** Present when the service issued a refresh token (a login with offline_token=true). */
  refreshToken?: string;
}

export interface TokenRequest {
  challenge: AuthChallenge;
  scopes: readonly string[];
  credential: RegistryCredential | undefined;
  /** The registry, for messages. */
  registry: string;
  clientId: string;
  /** Ask for a refresh token too, as `docker login` does. */
  offline?: boolean;
}

/** Tokens live at least 60 s per the spec; a margin keeps us from sending one that expires in flight. */
const MIN_LIFETIME_S = 60;
const EXPIRY_MARGIN_MS = 10_000;

export async function requestToken(transport: TokenTransport, request: TokenRequest): Promise<IssuedToken> {
  const realm = request.challenge.params.realm;
  if (!realm) {
    throw new StevedoreError('REGISTRY_ERROR', `${request.registry} asked for a Bearer token but named no token service (realm) in its challenge.`);
  }
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    throw new StevedoreError('REGISTRY_ERROR', `${request.registry} named an invalid token service address in its challenge.`);
  }
  const service = request.challenge.params.service;
  const credential = request.credential;
  if (credential?.identityToken) {
    const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: credential.identityToken, client_id: request.clientId });
    if (service) form.set('service', service);
    if (request.scopes.length) form.set('scope', request.scopes.join(' '));
    if (request.offline) form.set('access_type', 'offline');
    const response = await transport(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
    // Token services without OAuth2 support answer 404/405; Docker then falls back to GET.
    if (response.status !== 404 && response.status !== 405) return parseTokenResponse(response, request);
  }
  if (service) url.searchParams.set('service', service);
  for (const scope of request.scopes) url.searchParams.append('scope', scope);
  const headers: Record<string, string> = {};
  if (credential?.username || credential?.password) {
    if (credential.username) url.searchParams.set('account', credential.username);
    headers.authorization = `Basic ${Buffer.from(`${credential.username ?? ''}:${credential.password ?? ''}`, 'utf8').toString('base64')}`;
  }
  if (request.offline) {
    url.searchParams.set('offline_token', 'true');
    url.searchParams.set('client_id', request.clientId);
  }
  return parseTokenResponse(await transport(url, { method: 'GET', headers }), request);
}

function parseTokenResponse(response: TokenTransportResponse, request: TokenRequest): IssuedToken {
  if (response.status === 401 || response.status === 403) {
    const said = parseDiagnostics(response.text).map((d) => d.message).filter(Boolean).join('; ');
    const hadCredentials = Boolean(request.credential?.username || request.credential?.password || request.credential?.identityToken);
    throw new StevedoreError(
      'UNAUTHORIZED',
      hadCredentials
        ? `${request.registry} refused the credentials: ${said || 'incorrect username or password'}. Check them, or log in again with "stevedore login ${request.registry}".`
        : `${request.registry} requires authentication${said ? ` (${said})` : ''}. Log in with "stevedore login ${request.registry}".`,
      { detail: { status: response.status } },
    );
  }
  if (response.status < 200 || response.status >= 300) {
    throw new StevedoreError('REGISTRY_ERROR', `The token service of ${request.registry} answered HTTP ${response.status}. Try again later.`, {
      detail: { status: response.status },
      temporary: response.status >= 500 || response.status === 429,
    });
  }
  let body: { token?: unknown; access_token?: unknown; expires_in?: unknown; refresh_token?: unknown };
  try {
    body = JSON.parse(response.text) as typeof body;
  } catch {
    throw new StevedoreError('REGISTRY_ERROR', `The token service of ${request.registry} answered with something that is not JSON.`);
  }
  const token = typeof body.access_token === 'string' && body.access_token ? body.access_token : typeof body.token === 'string' ? body.token : '';
  if (!token) throw new StevedoreError('REGISTRY_ERROR', `The token service of ${request.registry} answered without a token.`);
  const lifetimeS = typeof body.expires_in === 'number' && body.expires_in > MIN_LIFETIME_S ? body.expires_in : MIN_LIFETIME_S;
  const issued: IssuedToken = { token, expiresAt: Date.now() + lifetimeS * 1000 - EXPIRY_MARGIN_MS };
  if (typeof body.refresh_token === 'string' && body.refresh_token) issued.refreshToken = body.refresh_token;
  return issued;
}

/** Scopes in a stable order, push scopes first (some token services honour only the first). */
export function scopeKey(scopes: readonly string[]): string {
  return [...new Set(scopes)].sort((a, b) => Number(b.endsWith('push')) - Number(a.endsWith('push')) || a.localeCompare(b)).join(' ');
}

/** Joins scope lists, merging the actions asked for the same resource ("pull" + "push" → "pull,push"). */
export function mergeScopes(...lists: ReadonlyArray<readonly string[]>): string[] {
  const byResource = new Map<string, Set<string>>();
  for (const scope of lists.flat()) {
    const last = scope.lastIndexOf(':');
    if (last <= 0) {
      byResource.set(scope, byResource.get(scope) ?? new Set());
      continue;
    }
    const resource = scope.slice(0, last);
    const actions = byResource.get(resource) ?? new Set<string>();
    for (const action of scope.slice(last + 1).split(',')) if (action) actions.add(action);
    byResource.set(resource, actions);
  }
  return [...byResource].map(([resource, actions]) => (actions.size ? `${resource}:${[...actions].sort().join(',')}` : resource));
}

export function repositoryScope(repository: string, actions: 'pull' | 'pull,push'): string {
  return `repository:${repository}:${actions}`;
}

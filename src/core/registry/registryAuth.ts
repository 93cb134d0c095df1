// Authentication against one registry: the challenge its /v2/ answered with (anonymous, Basic or
// Bearer), the credentials the resolver finds for it (asked once per client), and Bearer tokens
// cached per set of scopes. Credentials go to a token service only where that is safe (checkRealm).

import { isCancelled, StevedoreError } from '../errors';
import { type AuthChallenge } from './authChallenge';
import { mergeScopes, requestToken, scopeKey, type IssuedToken, type TokenTransport } from './bearerTokens';
import type { CredentialResolver, RegistryCredential } from './credentials';

export const CLIENT_ID = 'stevedore';

export interface AuthSettings {
  /** The registry's name, for the resolver and messages. */
  domain: string;
  credentials?: CredentialResolver;
  /** Whether a host may be reached over plain HTTP. */
  isInsecure(hostPort: string): boolean;
  /** The scheme the registry itself answered on, once pinged. */
  registryProtocol(): string | undefined;
  /** Sends token requests (no Authorization of the registry's, retries as for any request). */
  tokenTransport(signal: AbortSignal | undefined): TokenTransport;
}

export class RegistryAuth {
  /** Undefined until the ping, and after it when the registry allows anonymous access. */
  challenge: AuthChallenge | undefined;
  private credential: Promise<RegistryCredential | undefined> | undefined;
  private readonly tokens = new Map<string, Promise<IssuedToken>>();

  constructor(private readonly settings: AuthSettings) {}

  /** The Authorization header for a request needing `scopes`, or undefined for none. */
  async authorization(scopes: readonly string[], signal: AbortSignal | undefined): Promise<string | undefined> {
    const challenge = this.challenge;
    if (!challenge) return undefined;
    const credential = await this.getCredential(signal);
    if (challenge.scheme === 'basic') {
      return credential && (credential.username || credential.password) ? basicAuth(credential) : undefined;
    }
    if (challenge.scheme !== 'bearer') return undefined;
    if (credential?.registryToken) return `Bearer ${credential.registryToken}`;
    const key = scopeKey(scopes);
    const cached = this.tokens.get(key);
    if (cached) {
      const token = await cached.catch(() => undefined);
      if (token && token.expiresAt > Date.now()) return `Bearer ${token.token}`;
      if (this.tokens.get(key) === cached) this.tokens.delete(key);
    }
    let pending = this.tokens.get(key);
    if (!pending) {
      this.checkRealm(challenge, credential);
      pending = requestToken(this.settings.tokenTransport(signal), { challenge, scopes: key ? key.split(' ') : [], credential, registry: this.settings.domain, clientId: CLIENT_ID });
      this.tokens.set(key, pending);
      pending.catch(() => {
        if (this.tokens.get(key) === pending) this.tokens.delete(key);
      });
    }
    return `Bearer ${(await pending).token}`;
  }

  /**
   * A 401 after authenticating: the token expired, lacks a scope, or the registry wants auth for
   * this repository although /v2/ did not. Adopts the new challenge, forgets the tokens the
   * request used, and returns the scopes to ask for again.
   */
  rechallenge(challenge: AuthChallenge, scopes: readonly string[], requested: readonly string[]): readonly string[] {
    this.challenge = challenge;
    const wanted = challenge.params.scope ? mergeScopes(scopes, challenge.params.scope.split(' ')) : scopes;
    this.tokens.delete(scopeKey(wanted));
    this.tokens.delete(scopeKey(requested));
    return wanted;
  }

  /** For a login: asks the token service with these credentials, offline, as `docker login` does. */
  async loginToken(challenge: AuthChallenge, credential: RegistryCredential, signal: AbortSignal | undefined): Promise<IssuedToken> {
    this.checkRealm(challenge, credential);
    return requestToken(this.settings.tokenTransport(signal), { challenge, scopes: [], credential, registry: this.settings.domain, clientId: CLIENT_ID, offline: true });
  }

  private async getCredential(signal: AbortSignal | undefined): Promise<RegistryCredential | undefined> {
    const resolver = this.settings.credentials;
    if (!resolver) return undefined;
    for (;;) {
      if (!this.credential) {
        // Shared by the requests of this client; the one that starts it lends its signal, so a
        // cancelled operation stops the credential helper it started.
        const pending = resolver(this.settings.domain, signal);
        this.credential = pending;
        // A lookup that failed or was cancelled is asked again by the next request.
        pending.catch(() => {
          if (this.credential === pending) this.credential = undefined;
        });
      }
      try {
        return await this.credential;
      } catch (err) {
        // Another request's cancellation is not this one's: look up again, under this signal.
        if (isCancelled(err) && !signal?.aborted) continue;
        throw err;
      }
    }
  }

  /**
   * Credentials go to a token service on another host (that is the token protocol, and Docker does
   * the same), but never over plain HTTP when the registry itself was reached over HTTPS (the
   * registry's TLS would then protect nothing), and never over plain HTTP to a host the user did
   * not allow for insecure use. Anonymous token requests carry no secret and are not held back.
   */
  private checkRealm(challenge: AuthChallenge, credential: RegistryCredential | undefined): void {
    if (!credential || !(credential.username || credential.password || credential.identityToken)) return;
    let realm: URL;
    try {
      realm = new URL(challenge.params.realm ?? '');
    } catch {
      return; // requestToken says the realm is invalid
    }
    if (realm.protocol === 'https:') return;
    const where = `${realm.protocol}//${realm.host}`;
    const domain = this.settings.domain;
    if (this.settings.registryProtocol() === 'https:') {
      throw new StevedoreError(
        'UNAUTHORIZED',
        `${domain} was reached over HTTPS but names a token service over plain HTTP (${where}); Stevedore does not send your credentials there. Ask the registry's operator to serve the token service over HTTPS.`,
        { detail: { realm: where } },
      );
    }
    if (!this.settings.isInsecure(realm.host)) {
      throw new StevedoreError(
        'UNAUTHORIZED',
        `${domain} names a token service over plain HTTP (${where}), a host not allowed for insecure use; Stevedore does not send your credentials there. If you trust the network to it, allow ${realm.host} as an insecure registry (--insecure-registry, STEVEDORE_INSECURE_REGISTRIES or the stevedore.insecureRegistries setting).`,
        { detail: { realm: where } },
      );
    }
  }
}

export function basicAuth(credential: RegistryCredential): string {
  return `Basic ${Buffer.from(`${credential.username ?? ''}:${credential.password ?? ''}`, 'utf8').toString('base64')}`;
}

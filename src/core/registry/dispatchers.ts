// The undici dispatcher for a URL: a direct Agent, or a ProxyAgent when the proxy settings say the
// URL goes through a proxy (proxySettings.ts). https targets are tunnelled with CONNECT, so the
// proxy sees only the host name; plain-http ones are sent to the proxy in absolute form.

import type { ConnectionOptions } from 'node:tls';
import type { Dispatcher } from 'undici';
import { StevedoreError } from '../errors';
import { deferredTrust } from '../http/deferredCas';
import { loadProxyAgent, loadUndici } from './loadUndici';
import { proxyFor, type ProxySettings } from './proxySettings';

/** `proxyTls`: how a proxy reached over https is verified (default: Node's store). */
export async function dispatcherFor(url: URL, connect: ConnectionOptions, proxy: URL | undefined, proxyTls: ConnectionOptions = {}): Promise<Dispatcher> {
  if (!proxy) return new (await loadUndici()).Agent({ connect, keepAliveTimeout: 10_000 });
  const ProxyAgent = await loadProxyAgent();
  return new ProxyAgent({ uri: proxy.href, requestTls: connect, proxyTls, proxyTunnel: url.protocol === 'https:', keepAliveTimeout: 10_000 });
}

/**
 * A dispatcher for a request outside the registry protocol (search, a URL to import or ADD, a
 * lookaside), through the proxy the settings give, that trusts deferred NODE_EXTRA_CA_CERTS
 * (deferredCas.ts) besides Node's store for the target, a redirect's target and an https proxy alike.
 */
export async function trustingDispatcher(url: URL, proxySettings: ProxySettings | undefined, extraCaFile: string | undefined, connect: ConnectionOptions = {}): Promise<Dispatcher> {
  const trust = await deferredTrust(extraCaFile);
  return dispatcherFor(url, { ...connect, ...trust }, proxyOrThrow(url, proxySettings), trust);
}

/** proxyFor, with an unusable proxy setting reported as the user's to fix. */
export function proxyOrThrow(url: URL, settings: ProxySettings | undefined): URL | undefined {
  try {
    return proxyFor(url, settings);
  } catch (err) {
    throw new StevedoreError('INVALID_ARGUMENT', `The proxy setting for ${url.protocol.slice(0, -1)} (HTTPS_PROXY / HTTP_PROXY) cannot be used: ${(err as Error).message}.`);
  }
}

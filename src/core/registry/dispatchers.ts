// The undici dispatcher for a URL: a direct Agent, or a ProxyAgent when the proxy settings say the
// URL goes through a proxy (proxySettings.ts). https targets are tunnelled with CONNECT, so the
// proxy sees only the host name; plain-http ones are sent to the proxy in absolute form.

import type { ConnectionOptions } from 'node:tls';
import type { Dispatcher } from 'undici';
import { StevedoreError } from '../errors';
import { loadProxyAgent, loadUndici } from './loadUndici';
import { proxyFor, type ProxySettings } from './proxySettings';

export async function dispatcherFor(url: URL, connect: ConnectionOptions, proxy: URL | undefined): Promise<Dispatcher> {
  if (!proxy) return new (await loadUndici()).Agent({ connect, keepAliveTimeout: 10_000 });
  const ProxyAgent = await loadProxyAgent();
  return new ProxyAgent({ uri: proxy.href, requestTls: connect, proxyTunnel: url.protocol === 'https:', keepAliveTimeout: 10_000 });
}

/** proxyFor, with an unusable proxy setting reported as the user's to fix. */
export function proxyOrThrow(url: URL, settings: ProxySettings | undefined): URL | undefined {
  try {
    return proxyFor(url, settings);
  } catch (err) {
    throw new StevedoreError('INVALID_ARGUMENT', `The proxy setting for ${url.protocol.slice(0, -1)} (HTTPS_PROXY / HTTP_PROXY) cannot be used: ${(err as Error).message}.`);
  }
}

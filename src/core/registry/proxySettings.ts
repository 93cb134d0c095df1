// Which requests go through an HTTP proxy, by the rules of Go's net/http (httpproxy), which Docker,
// skopeo and podman all follow: HTTPS_PROXY for https URLs, HTTP_PROXY for http ones (upper case
// first, then lower case); NO_PROXY lists exceptions ("*"; a host or domain, which also covers its
// subdomains; ".domain" for subdomains only; an IP; an IP range in CIDR; any of those with
// ":port"); loopback addresses are never proxied. A proxy given without a scheme is http://.

import { BlockList, isIP } from 'node:net';

export interface ProxySettings {
  httpProxy?: string;
  httpsProxy?: string;
  /** Comma- or space-separated exceptions, as NO_PROXY. */
  noProxy?: string;
}

export function proxySettingsFromEnv(env: Readonly<Record<string, string | undefined>>): ProxySettings {
  const pick = (...names: string[]): string | undefined => names.map((n) => env[n]).find((v) => v !== undefined && v !== '');
  const settings: ProxySettings = {};
  const httpProxy = pick('HTTP_PROXY', 'http_proxy');
  const httpsProxy = pick('HTTPS_PROXY', 'https_proxy');
  const noProxy = pick('NO_PROXY', 'no_proxy');
  if (httpProxy) settings.httpProxy = httpProxy;
  if (httpsProxy) settings.httpsProxy = httpsProxy;
  if (noProxy) settings.noProxy = noProxy;
  return settings;
}

/** The proxy to reach `url` through, or undefined to connect directly. Throws on an unusable proxy URL. */
export function proxyFor(url: URL, settings: ProxySettings | undefined): URL | undefined {
  if (!settings) return undefined;
  const configured = url.protocol === 'https:' ? settings.httpsProxy : url.protocol === 'http:' ? settings.httpProxy : undefined;
  if (!configured) return undefined;
  const host = bareHost(url.hostname);
  const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
  if (isLoopback(host) || excepted(host, port, settings.noProxy ?? '')) return undefined;
  return parseProxyUrl(configured);
}

/** A proxy's address for messages: scheme, host and port, never its credentials. */
export function describeProxy(proxy: URL): string {
  return `${proxy.protocol}//${proxy.host}`;
}

function parseProxyUrl(value: string): URL {
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new TypeError(`the proxy setting is not a URL: "${redact(value)}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`proxies of the ${url.protocol} kind are not supported ("${describeProxy(url)}")`);
  return url;
}

function excepted(host: string, port: number, noProxy: string): boolean {
  for (const raw of noProxy.split(/[\s,]+/)) {
    let entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return true;
    if (entry.includes('/')) {
      if (inCidr(host, entry)) return true;
      continue;
    }
    let entryPort: number | undefined;
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
    const hostPort = /^([^:]+):(\d+)$/.exec(entry);
    if (bracketed) {
      entry = bracketed[1]!;
      if (bracketed[2] !== undefined) entryPort = Number(bracketed[2]);
    } else if (hostPort) {
      entry = hostPort[1]!;
      entryPort = Number(hostPort[2]);
    }
    if (entryPort !== undefined && entryPort !== port) continue;
    if (isIP(entry)) {
      if (entry === host) return true;
      continue;
    }
    if (entry.startsWith('*.')) entry = entry.slice(1);
    if (entry.startsWith('.')) {
      if (host.endsWith(entry)) return true;
    } else if (host === entry || host.endsWith(`.${entry}`)) {
      return true;
    }
  }
  return false;
}

function inCidr(host: string, cidr: string): boolean {
  const [network, bits] = cidr.split('/');
  const family = isIP(network ?? '');
  if (!family || family !== isIP(host) || !/^\d+$/.test(bits ?? '')) return false;
  const list = new BlockList();
  try {
    list.addSubnet(network!, Number(bits), family === 6 ? 'ipv6' : 'ipv4');
  } catch {
    return false;
  }
  return list.check(host, family === 6 ? 'ipv6' : 'ipv4');
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

function bareHost(hostname: string): string {
  return (hostname.startsWith('[') ? hostname.slice(1, -1) : hostname).toLowerCase();
}

function redact(value: string): string {
  return value.replace(/\/\/[^/@]*@/, '//…@');
}

// Which host serves a registry's API, under which key its credentials are filed, and whether it
// may be reached without verified TLS, the way Docker decides these: Docker Hub is called
// "docker.io" in references, answers the API at registry-1.docker.io and keeps its credentials
// under "https://index.docker.io/v1/"; loopback registries are insecure-allowed.

/** node:net's isIP, loaded when first asked: the engine settings reach this module in every command. */
function isIP(name: string): number {
  return process.getBuiltinModule('node:net').isIP(name);
}

export const DOCKER_HUB_DOMAIN = 'docker.io';
export const DOCKER_HUB_API_HOST = 'registry-1.docker.io';
export const DOCKER_HUB_CREDENTIAL_KEY = 'https://index.docker.io/v1/';
const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);

export interface RegistryHost {
  /** The registry as references name it: "docker.io", "localhost:5000". */
  domain: string;
  /** host[:port] the API is served from. */
  apiHost: string;
  /** The key `docker login` files credentials under in config.json. */
  credentialKey: string;
}

export function isDockerHub(host: string): boolean {
  return DOCKER_HUB_ALIASES.has(host.toLowerCase());
}

/** Accepts what users type after `login`/`logout` too: a URL, a Hub alias, host:port. */
export function registryHost(input: string): RegistryHost {
  const host = hostFromServerAddress(input);
  if (isDockerHub(host)) return { domain: DOCKER_HUB_DOMAIN, apiHost: DOCKER_HUB_API_HOST, credentialKey: DOCKER_HUB_CREDENTIAL_KEY };
  return { domain: host, apiHost: host, credentialKey: host };
}

/** Docker's ConvertToHostname: drops the scheme and any path ("https://host:5000/v2/" → "host:5000"). */
export function hostFromServerAddress(address: string): string {
  let rest = address.trim();
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(rest);
  if (scheme) rest = rest.slice(scheme[0].length);
  const slash = rest.indexOf('/');
  return (slash >= 0 ? rest.slice(0, slash) : rest).toLowerCase();
}

/** Splits "host:port", "[::1]:5000" or "host" into a bare host name and port. */
export function splitHostPort(hostPort: string): { hostname: string; port?: string } {
  if (hostPort.startsWith('[')) {
    const end = hostPort.indexOf(']');
    const hostname = hostPort.slice(1, end);
    const port = hostPort.slice(end + 1).replace(/^:/, '');
    return port ? { hostname, port } : { hostname };
  }
  const colon = hostPort.lastIndexOf(':');
  if (colon > 0 && hostPort.indexOf(':') === colon) return { hostname: hostPort.slice(0, colon), port: hostPort.slice(colon + 1) };
  return { hostname: hostPort };
}

/** Docker treats registries on loopback as insecure-allowed, so a local registry needs no setup. */
export function isLoopbackHost(hostPort: string): boolean {
  const { hostname } = splitHostPort(hostPort);
  const name = hostname.toLowerCase();
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (isIP(name) === 4) return name.startsWith('127.');
  if (isIP(name) === 6) return name === '::1' || name === '0:0:0:0:0:0:0:1';
  return false;
}

/**
 * Whether the user listed this registry as insecure. Entries are "host", "host:port" or an IPv4
 * CIDR ("10.0.0.0/8"), as in Docker's `insecure-registries`; a bare host matches any port.
 */
export function isListedInsecure(hostPort: string, insecure: readonly string[]): boolean {
  const host = hostPort.toLowerCase();
  const { hostname } = splitHostPort(host);
  for (const raw of insecure) {
    const trimmed = raw.trim();
    if (/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(trimmed)) {
      if (ipv4InCidr(hostname, trimmed)) return true;
      continue;
    }
    const entry = hostFromServerAddress(trimmed);
    if (!entry) continue;
    if (entry === host) return true;
    if (!splitHostPort(entry).port && splitHostPort(entry).hostname === hostname) return true;
  }
  return false;
}

function ipv4InCidr(ip: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/') as [string, string | undefined];
  if (isIP(ip) !== 4 || isIP(base) !== 4 || bitsText === undefined || !/^\d+$/.test(bitsText)) return false;
  const bits = Number(bitsText);
  if (bits > 32) return false;
  const toInt = (a: string): number => a.split('.').reduce((n, part) => (n << 8) + Number(part), 0) >>> 0;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (toInt(ip) & mask) === (toInt(base) & mask);
}

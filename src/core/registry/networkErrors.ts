// Connection-level failures (refused, reset, TLS) turned into errors that say what to do. Node and
// undici report them with `code`s; the ones people meet most get their own wording.

import { StevedoreError } from '../errors';
import { describeProxy } from './proxySettings';

/** Codes of a certificate the client could not verify (Node's and OpenSSL's). */
export const TLS_TRUST_CODES: ReadonlySet<string> = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** The error's own code, else its cause's (undici wraps socket errors). */
export function codeOf(err: unknown): string | undefined {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string' && e.code !== 'UND_ERR_SOCKET') return e.code;
  }
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** `proxy`: the proxy the request went through, if any; failures are then most often the proxy's. */
export function networkError(err: unknown, hostPort: string, insecure: boolean, proxy?: URL): StevedoreError {
  const code = codeOf(err);
  // Credentials in a URL (a proxy's user:password) never reach a message.
  const said = (err instanceof Error ? err.message : String(err)).replace(/\/\/[^/\s@]+@/g, '//…@');
  const options = { cause: err, detail: { code, host: hostPort, ...(proxy ? { proxy: describeProxy(proxy) } : {}) } };
  if (proxy) {
    const proxied = proxyError(code, said, hostPort, describeProxy(proxy), options);
    if (proxied) return proxied;
  }
  if (code && TLS_TRUST_CODES.has(code)) {
    return new StevedoreError(
      'TLS_ERROR',
      `The TLS certificate of ${hostPort} is not trusted (${code}: ${said}). Put the registry's CA certificate in ~/.docker/certs.d/${hostPort}/ca.crt, or, on a network you trust, add ${hostPort} to the insecure registries.`,
      options,
    );
  }
  if (code === 'EPROTO' || code === 'ERR_SSL_WRONG_VERSION_NUMBER' || /wrong version number|packet length too long/i.test(said)) {
    return new StevedoreError(
      'TLS_ERROR',
      `${hostPort} did not answer with TLS. If it serves plain HTTP, add ${hostPort} to the insecure registries${insecure ? '' : ' (it is not listed there now)'}.`,
      options,
    );
  }
  if (code === 'ECONNREFUSED') {
    return new StevedoreError('NETWORK_ERROR', `Could not connect to ${hostPort}: connection refused. Is the registry running, and is the address right?`, options);
  }
  if (code === 'ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return new StevedoreError(
      'NETWORK_ERROR',
      `Could not connect to ${hostPort}: no answer to the connection attempt (${said}). Is the address right, and is the registry reachable from here (firewall, VPN, HTTPS_PROXY)?`,
      { ...options, temporary: true },
    );
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new StevedoreError('NETWORK_ERROR', `Could not resolve ${hostPort}: no such host. Check the registry name and your DNS.`, { ...options, temporary: code === 'EAI_AGAIN' });
  }
  return new StevedoreError('NETWORK_ERROR', `The connection to ${hostPort} failed (${code ?? 'error'}: ${said}). Check your network and try again.`, { ...options, temporary: true });
}

/** Failures of the proxy itself (marked `proxyRefused` in the detail), not of what lies behind it. */
function proxyError(code: string | undefined, said: string, hostPort: string, via: string, base: { cause: unknown; detail: Record<string, unknown> }): StevedoreError | undefined {
  const options = { ...base, detail: { ...base.detail, proxyRefused: true } };
  const refused = /Proxy response \((\d+)\)/.exec(said);
  // Some proxies (tinyproxy) answer a CONNECT without credentials with 401 rather than 407.
  if (/\b407\b/.test(said) || refused?.[1] === '401') {
    return new StevedoreError('UNAUTHORIZED', `The proxy ${via} asks for credentials (HTTP ${refused?.[1] ?? '407'}). Put them in the proxy URL (http://USER:PASSWORD@host:port).`, options);
  }
  if (refused) {
    return new StevedoreError(
      'NETWORK_ERROR',
      `The proxy ${via} would not connect to ${hostPort} (it answered ${refused[1]}). Check that the proxy allows it, or list the registry in NO_PROXY to reach it directly.`,
      { ...options, temporary: refused[1]!.startsWith('5') },
    );
  }
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND') {
    return new StevedoreError('NETWORK_ERROR', `Could not connect to the proxy ${via} (${code}). Check HTTPS_PROXY / HTTP_PROXY, or list the registry in NO_PROXY.`, options);
  }
  return undefined;
}

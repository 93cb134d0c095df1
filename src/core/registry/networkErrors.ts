// Connection-level failures (refused, reset, TLS) turned into errors that say what to do. Node and
// undici report them with `code`s; the ones people meet most get their own wording.

import { StevedoreError } from '../errors';

const TLS_TRUST_CODES = new Set([
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

function codeOf(err: unknown): string | undefined {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string' && e.code !== 'UND_ERR_SOCKET') return e.code;
  }
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function networkError(err: unknown, hostPort: string, insecure: boolean): StevedoreError {
  const code = codeOf(err);
  const said = err instanceof Error ? err.message : String(err);
  const options = { cause: err, detail: { code, host: hostPort } };
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
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new StevedoreError('NETWORK_ERROR', `Could not resolve ${hostPort}: no such host. Check the registry name and your DNS.`, { ...options, temporary: code === 'EAI_AGAIN' });
  }
  return new StevedoreError('NETWORK_ERROR', `The connection to ${hostPort} failed (${code ?? 'error'}: ${said}). Check your network and try again.`, { ...options, temporary: true });
}

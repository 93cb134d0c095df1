// Errors a registry answered with, kept as the distribution spec describes them: the HTTP status,
// the spec's error codes and messages (MANIFEST_UNKNOWN, DENIED, …) and whether trying again may
// help. Programs branch on `code`; the message says what went wrong and what to do.

import { StevedoreError, type ErrorCode } from '../errors';

/** One entry of the spec's `{"errors":[{code,message,detail}]}` body. */
export interface RegistryDiagnostic {
  code: string;
  message: string;
}

export class RegistryError extends StevedoreError {
  readonly status: number;
  readonly diagnostics: RegistryDiagnostic[];

  constructor(code: ErrorCode, message: string, status: number, diagnostics: RegistryDiagnostic[], options: { temporary?: boolean; cause?: unknown } = {}) {
    super(code, message, { temporary: options.temporary ?? false, cause: options.cause, detail: { status, diagnostics } });
    this.name = 'RegistryError';
    this.status = status;
    this.diagnostics = diagnostics;
  }
}

/** Statuses worth retrying: the server may answer differently in a moment. */
export function isTemporaryStatus(status: number): boolean {
  return status === 408 || status === 429 || status === 500 || status === 502 || status === 503 || status === 504;
}

/** Parses the spec's error body; anything else (HTML from a proxy, plain text) yields no entries. */
export function parseDiagnostics(body: string): RegistryDiagnostic[] {
  try {
    const parsed = JSON.parse(body) as { errors?: unknown };
    if (!Array.isArray(parsed.errors)) return [];
    return parsed.errors
      .filter((e): e is { code?: unknown; message?: unknown } => typeof e === 'object' && e !== null)
      .map((e) => ({ code: typeof e.code === 'string' ? e.code : 'UNKNOWN', message: typeof e.message === 'string' ? e.message : '' }));
  } catch {
    return [];
  }
}

/** What the request was about, so that the message can name it. */
export interface ErrorContext {
  /** e.g. "manifest for localhost:5000/app:1.0", "blob sha256:… of localhost:5000/app". */
  what: string;
  /** The registry host as the user knows it ("docker.io", "localhost:5000"). */
  registry: string;
}

const SPEC_CODES: Record<string, ErrorCode> = {
  UNAUTHORIZED: 'UNAUTHORIZED',
  DENIED: 'DENIED',
  MANIFEST_UNKNOWN: 'MANIFEST_UNKNOWN',
  NAME_UNKNOWN: 'NAME_UNKNOWN',
  BLOB_UNKNOWN: 'BLOB_UNKNOWN',
  TOOMANYREQUESTS: 'TOO_MANY_REQUESTS',
  DIGEST_INVALID: 'DIGEST_MISMATCH',
  SIZE_INVALID: 'SIZE_MISMATCH',
};

/** Turns an unexpected registry answer into a typed error whose message says what to do. */
export function registryErrorFrom(status: number, bodyText: string, context: ErrorContext): RegistryError {
  const diagnostics = parseDiagnostics(bodyText);
  const first = diagnostics[0];
  const specCode = first?.code;
  const said = diagnostics.length ? diagnostics.map((d) => `${d.code.toLowerCase()}: ${d.message}`).join('; ') : `HTTP ${status}`;
  const temporary = isTemporaryStatus(status);
  let code: ErrorCode = (specCode && SPEC_CODES[specCode]) || 'REGISTRY_ERROR';
  if (code === 'REGISTRY_ERROR') {
    if (status === 401) code = 'UNAUTHORIZED';
    else if (status === 403) code = 'DENIED';
    else if (status === 429) code = 'TOO_MANY_REQUESTS';
  }
  let message: string;
  switch (code) {
    case 'UNAUTHORIZED':
      message = `${context.registry} refused the request for ${context.what} (${said}). Log in with "stevedore login ${context.registry}", or check the user name and password.`;
      break;
    case 'DENIED':
      message = `${context.registry} denied access to ${context.what} (${said}). The repository may not exist, or your account may lack permission; try "stevedore login ${context.registry}".`;
      break;
    case 'MANIFEST_UNKNOWN':
      message = `${context.what} not found: ${said}. Check the tag or digest; "stevedore tags" lists the tags.`;
      break;
    case 'NAME_UNKNOWN':
      message = `${context.what} not found: ${said}. The repository does not exist on ${context.registry}, or needs "stevedore login".`;
      break;
    case 'TOO_MANY_REQUESTS':
      message = `${context.registry} is rate-limiting requests (${said}). Wait a while and try again, or log in to get a higher limit.`;
      break;
    default:
      message = temporary
        ? `${context.registry} failed to serve ${context.what} (${said}). The registry may be overloaded; try again later.`
        : `${context.registry} rejected the request for ${context.what} (${said}).`;
  }
  return new RegistryError(code, message, status, diagnostics, { temporary });
}

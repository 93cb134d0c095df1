// Typed errors with stable codes. Programs branch on `code`; people read `message`, which says
// what went wrong and what to do. Detail that helps debugging (never secrets) goes in `detail`.

export type ErrorCode =
  | 'INVALID_REFERENCE'
  | 'INVALID_ARGUMENT'
  | 'IMAGE_NOT_FOUND'
  | 'IMAGE_CONFLICT'
  | 'CONTAINER_NOT_FOUND'
  | 'CONTAINER_CONFLICT'
  | 'RUNTIME_ERROR'
  | 'BUILD_STEP_FAILED'
  | 'BLOB_NOT_FOUND'
  | 'DIGEST_MISMATCH'
  | 'SIZE_MISMATCH'
  | 'STORE_CORRUPT'
  | 'STORE_LOCKED'
  | 'INVALID_ARCHIVE'
  | 'UNSUPPORTED'
  | 'REGISTRY_ERROR'
  | 'UNAUTHORIZED'
  | 'DENIED'
  | 'MANIFEST_UNKNOWN'
  | 'BLOB_UNKNOWN'
  | 'TOO_MANY_REQUESTS'
  | 'NETWORK_ERROR'
  | 'TLS_ERROR'
  | 'NAME_UNKNOWN'
  | 'PLATFORM_NOT_FOUND'
  | 'INVALID_CHANGE'
  | 'IO_ERROR'
  | 'INVALID_POLICY'
  | 'SIGNATURE_REJECTED'
  | 'CONTENT_TRUST_UNSUPPORTED'
  | 'ENGINE_UNAVAILABLE'
  | 'ENGINE_ERROR'
  /** No space left on the disk being written (ENOSPC, EDQUOT). */
  | 'DISK_FULL'
  /** The store is on a read-only file system or its files may not be changed (EROFS, EACCES, EPERM). */
  | 'STORE_NOT_WRITABLE'
  /** The store path, or a folder above it, is a file. */
  | 'STORE_NOT_DIRECTORY'
  /** Not root, and no user namespace with subordinate ids to run a container in (what is missing is in the message). */
  | 'ROOTLESS_UNAVAILABLE'
  /** The CLI the extension ran as its child failed without reporting a typed error (its status and output are in the message). */
  | 'CLI_FAILED';

/** Every code, so a code that arrives as text (the CLI's machine channel) can be checked; the type makes it complete. */
const ERROR_CODES: Record<ErrorCode, true> = {
  INVALID_REFERENCE: true, INVALID_ARGUMENT: true, IMAGE_NOT_FOUND: true, IMAGE_CONFLICT: true, CONTAINER_NOT_FOUND: true,
  CONTAINER_CONFLICT: true, RUNTIME_ERROR: true, BUILD_STEP_FAILED: true, BLOB_NOT_FOUND: true, DIGEST_MISMATCH: true,
  SIZE_MISMATCH: true, STORE_CORRUPT: true, STORE_LOCKED: true, INVALID_ARCHIVE: true, UNSUPPORTED: true, REGISTRY_ERROR: true,
  UNAUTHORIZED: true, DENIED: true, MANIFEST_UNKNOWN: true, BLOB_UNKNOWN: true, TOO_MANY_REQUESTS: true, NETWORK_ERROR: true,
  TLS_ERROR: true, NAME_UNKNOWN: true, PLATFORM_NOT_FOUND: true, INVALID_CHANGE: true, IO_ERROR: true, INVALID_POLICY: true,
  SIGNATURE_REJECTED: true, CONTENT_TRUST_UNSUPPORTED: true, ENGINE_UNAVAILABLE: true, ENGINE_ERROR: true, DISK_FULL: true,
  STORE_NOT_WRITABLE: true, STORE_NOT_DIRECTORY: true, ROOTLESS_UNAVAILABLE: true, CLI_FAILED: true,
};

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CODES, code);
}

export interface ErrorOptions {
  cause?: unknown;
  /** Extra facts for logs; never put credentials here. */
  detail?: Record<string, unknown>;
  /** Whether repeating the same operation may succeed (network blips, 5xx, 429). */
  temporary?: boolean;
}

export class StevedoreError extends Error {
  readonly code: ErrorCode;
  readonly detail: Record<string, unknown> | undefined;
  readonly temporary: boolean;

  constructor(code: ErrorCode, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StevedoreError';
    this.code = code;
    this.detail = options.detail;
    this.temporary = options.temporary ?? false;
  }
}

/** Cancellation is not failure: callers show nothing, or "Cancelled", never an error dialog. */
export class CancelledError extends Error {
  readonly code = 'CANCELLED' as const;
  constructor(message = 'The operation was cancelled.') {
    super(message);
    this.name = 'CancelledError';
  }
}

export function isCancelled(err: unknown): err is CancelledError {
  return err instanceof CancelledError || (err instanceof Error && err.name === 'AbortError');
}

/** Throws CancelledError when the signal has fired; call between steps of long work. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError();
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

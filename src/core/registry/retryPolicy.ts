// When and how long to wait before asking a registry again: connection errors, 408, 429 and 5xx
// are retried with exponential backoff and jitter; a `Retry-After` header is honoured (as skopeo
// does) up to a limit, beyond which waiting silently would look like a hang.

import { CancelledError } from '../errors';

export interface RetryOptions {
  /** Attempts in all, the first included (default 5). */
  attempts: number;
  /** First backoff delay; doubled on each retry (default 250 ms). */
  baseDelayMs: number;
  /** Longest backoff delay (default 4 s). */
  maxDelayMs: number;
  /** Longest Retry-After honoured; a longer one fails at once with the wait in the message (default 60 s). */
  maxRetryAfterMs: number;
  /**
   * Time budget of one retry loop (a request, a blob download with its resumes, an upload): no
   * new attempt starts once this much has passed since the first (default 10 min). An attempt
   * already transferring is not cut off by it; a stalled one is, by the stall timeout.
   */
  maxElapsedMs: number;
  /** Resumes of one blob download in all, however much each one brought (default 20). */
  maxResumes: number;
}

export const DEFAULT_RETRY: RetryOptions = { attempts: 5, baseDelayMs: 250, maxDelayMs: 4000, maxRetryAfterMs: 60_000, maxElapsedMs: 600_000, maxResumes: 20 };

/** The time side of a retry loop's budget: started with the loop, asked before each wait. */
export class RetryClock {
  private readonly started: number;

  constructor(
    private readonly options: Pick<RetryOptions, 'maxElapsedMs'>,
    private readonly now: () => number = Date.now,
  ) {
    this.started = now();
  }

  /** Whether waiting `delayMs` and trying again still ends inside the budget. */
  allows(delayMs: number): boolean {
    return this.now() - this.started + delayMs <= this.options.maxElapsedMs;
  }

  /** "10 min", "45 s": the budget as messages name it. */
  get budgetText(): string {
    return durationText(this.options.maxElapsedMs);
  }
}

export function durationText(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms >= 1000) return `${Math.round(ms / 100) / 10} s`;
  return `${ms} ms`;
}

/** Backoff before retry number `retry` (0 for the first retry), with up to 25% jitter. */
export function backoffDelay(retry: number, options: RetryOptions): number {
  const plain = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** retry);
  return Math.round(plain * (0.75 + Math.random() * 0.25));
}

/** Retry-After as seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return undefined;
  if (/^\s*\d+\s*$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Errors worth another attempt: the connection broke or timed out, not a refusal or a TLS failure. */
const RETRYABLE_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ECONNABORTED',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

export function isRetryableNetworkError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && RETRYABLE_CODES.has(code)) return true;
  const cause = (err as { cause?: unknown } | null)?.cause;
  return cause !== undefined && cause !== err && isRetryableNetworkError(cause);
}

/** Waits `ms`, or rejects with CancelledError as soon as the signal fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(new CancelledError());
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new CancelledError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

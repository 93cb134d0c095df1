// One end of the inspector's message channel, the same class on both sides: the host wraps
// `webview.postMessage` / `onDidReceiveMessage`, the webview `vscode.postMessage` / the window's
// `message` event. Requests get ids and promises; handlers' failures travel back as ErrorInfo, so
// a failed request rejects on the other side with the message the core wrote. No DOM, no vscode:
// the unit tests connect two endpoints back to back.

import { parseIpcMessage, type ErrorInfo, type IpcMessage, type NotificationType, type RequestType } from './protocol';

/** A request that the other side answered with an error, or that could not be delivered. */
export class IpcError extends Error {
  readonly code: string | undefined;
  constructor(info: ErrorInfo) {
    super(info.message);
    this.name = 'IpcError';
    this.code = info.code;
  }
}

type Post = (message: IpcMessage) => unknown;

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
}

export class IpcEndpoint {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly notificationHandlers = new Map<string, (params: unknown) => void>();
  private readonly requestHandlers = new Map<string, (params: unknown) => unknown>();
  private closed = false;

  /**
   * `post` sends one message to the other side. `onUnhandled` hears what cannot be dispatched
   * (malformed messages, unknown methods, failing notification handlers), so it can be logged.
   */
  constructor(
    private readonly post: Post,
    private readonly onUnhandled: (problem: string) => void = () => undefined,
  ) {}

  onNotification<P>(type: NotificationType<P>, handler: (params: P) => void): void {
    this.notificationHandlers.set(type.method, handler as (params: unknown) => void);
  }

  onRequest<P, R>(type: RequestType<P, R>, handler: (params: P) => R | Promise<R>): void {
    this.requestHandlers.set(type.method, handler as (params: unknown) => unknown);
  }

  notify<P>(type: NotificationType<P>, params: P): void {
    if (this.closed) return;
    this.send({ type: 'notification', method: type.method, params });
  }

  request<P, R>(type: RequestType<P, R>, params: P): Promise<R> {
    if (this.closed) return Promise.reject(new IpcError({ message: 'The inspector was closed.', code: 'CANCELLED' }));
    const id = this.nextId++;
    return new Promise<R>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.send({ type: 'request', id, method: type.method, params });
    });
  }

  /** Feeds one message from the other side. */
  receive(raw: unknown): void {
    const message = parseIpcMessage(raw);
    if (!message) {
      this.onUnhandled('ignored a message that is not an inspector message');
      return;
    }
    switch (message.type) {
      case 'notification': {
        const handler = this.notificationHandlers.get(message.method);
        if (!handler) {
          this.onUnhandled(`no handler for notification "${message.method}"`);
          return;
        }
        try {
          handler(message.params);
        } catch (err) {
          this.onUnhandled(`notification "${message.method}" failed: ${err instanceof Error ? err.message : String(err)}`);
        }
        return;
      }
      case 'request':
        void this.answer(message.id, message.method, message.params);
        return;
      case 'response': {
        const pending = this.pending.get(message.id);
        if (!pending) return; // answered after close, or a stray id: nobody waits for it
        this.pending.delete(message.id);
        if ('error' in message) pending.reject(new IpcError(message.error));
        else pending.resolve(message.result);
      }
    }
  }

  /** Rejects every request still waiting; later calls send nothing. */
  close(): void {
    this.closed = true;
    for (const pending of this.pending.values()) pending.reject(new IpcError({ message: 'The inspector was closed.', code: 'CANCELLED' }));
    this.pending.clear();
  }

  private async answer(id: number, method: string, params: unknown): Promise<void> {
    const handler = this.requestHandlers.get(method);
    if (!handler) {
      this.send({ type: 'response', id, error: { message: `The inspector does not know the request "${method}".`, code: 'INVALID_ARGUMENT' } });
      return;
    }
    try {
      const result = await handler(params);
      if (!this.closed) this.send({ type: 'response', id, result });
    } catch (err) {
      if (!this.closed) this.send({ type: 'response', id, error: errorInfo(err) });
    }
  }

  private send(message: IpcMessage): void {
    try {
      const sent = this.post(message);
      // The host's postMessage returns a thenable that rejects when the webview is gone.
      if (isThenable(sent)) sent.then(undefined, (err: unknown) => this.onUnhandled(`could not send "${describe(message)}": ${String(err)}`));
    } catch (err) {
      this.onUnhandled(`could not send "${describe(message)}": ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

/** What the other side learns about a failure: the message and the stable code, nothing else (no stack). */
export function errorInfo(err: unknown): ErrorInfo {
  const message = err instanceof Error ? err.message : String(err);
  const code = typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : undefined;
  return code ? { message, code } : { message };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

function describe(message: IpcMessage): string {
  return message.type === 'response' ? `response ${message.id}` : message.method;
}

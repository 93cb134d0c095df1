// Idle kept-alive connections, by a key that names where they lead and how (origin and TLS
// settings). An idle connection is unref'd, so it never keeps the process alive, and dropped after
// a while (or sooner when the server says so); the server may close it first, and then it is
// forgotten. `close()` drops the idle ones and every busy one as its answer ends.

import { HttpConnection, type ConnectTarget } from './httpConnection';

/** How long an idle connection is kept when the server does not say (undici's keepAliveTimeout here). */
export const DEFAULT_IDLE_MS = 10_000;

export class ConnectionPool {
  private readonly idle = new Map<string, HttpConnection[]>();
  /** Connections opened before the last close(), busy then: dropped when given back. */
  private readonly retired = new WeakSet<HttpConnection>();
  private readonly busy = new Set<HttpConnection>();

  /** The most recently used idle connection for `key`, now busy; undefined when there is none. */
  take(key: string): HttpConnection | undefined {
    const list = this.idle.get(key);
    for (let connection = list?.pop(); connection; connection = list?.pop()) {
      if (connection.socket.destroyed || !connection.socket.writable) continue;
      connection.socket.ref();
      connection.socket.setTimeout(0);
      this.busy.add(connection);
      return connection;
    }
    return undefined;
  }

  /** A new connection for `key`, busy. */
  open(key: string, target: ConnectTarget): HttpConnection {
    const connection: HttpConnection = new HttpConnection(target, () => this.forget(key, connection));
    this.busy.add(connection);
    return connection;
  }

  /** The connection's answer is complete and it may carry another request for `idleMs`. */
  giveBack(key: string, connection: HttpConnection, idleMs = DEFAULT_IDLE_MS): void {
    this.busy.delete(connection);
    if (this.retired.has(connection) || connection.socket.destroyed || idleMs <= 0) {
      connection.socket.destroy();
      return;
    }
    connection.socket.unref();
    connection.socket.setTimeout(idleMs); // the connection destroys itself when idle that long
    let list = this.idle.get(key);
    if (!list) this.idle.set(key, (list = []));
    list.push(connection);
  }

  /** The connection is not given back (failed, or the answer ended it): it is destroyed. */
  drop(connection: HttpConnection): void {
    this.busy.delete(connection);
    connection.socket.destroy();
  }

  /** Drops every idle connection; busy ones are dropped when given back. Later requests open new ones. */
  close(): void {
    for (const list of this.idle.values()) for (const connection of list) connection.socket.destroy();
    this.idle.clear();
    for (const connection of this.busy) this.retired.add(connection);
    this.busy.clear();
  }

  /** Connections kept idle now (for tests and diagnostics). */
  get idleCount(): number {
    let count = 0;
    for (const list of this.idle.values()) count += list.length;
    return count;
  }

  private forget(key: string, connection: HttpConnection): void {
    const list = this.idle.get(key);
    const at = list?.indexOf(connection) ?? -1;
    if (at >= 0) list!.splice(at, 1);
    if (list && list.length === 0) this.idle.delete(key);
  }
}

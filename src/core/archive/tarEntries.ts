// Reads a tar stream entry by entry with tar-stream, feeding it from any async source with
// backpressure, and turns tar-stream's terse errors into messages that say what is wrong with the
// archive. Each entry's body must be consumed (or skipped) before the next one arrives.

import * as tar from 'tar-stream';
import { CancelledError, isCancelled, StevedoreError, throwIfAborted } from '../errors';

export interface TarEntry {
  header: tar.Header;
  body: AsyncIterable<Uint8Array>;
}

export interface TarReadOptions {
  /** Names the archive in messages: a file name, or "standard input". */
  what: string;
  signal?: AbortSignal;
}

export async function* tarEntries(source: AsyncIterable<Uint8Array>, options: TarReadOptions): AsyncGenerator<TarEntry> {
  const extract = tar.extract();
  let sourceError: unknown;
  let extractError: unknown;
  let entries = 0;
  let current: tar.Header | undefined;
  extract.on('error', (err: unknown) => {
    extractError ??= err;
  });

  // Cancelling, or the reader giving up, must not wait for a source that has stalled (a pipe with
  // nothing more to say): the feeder stops waiting for it and asks it to finish. (A Promise.race
  // against one long-lived "stop" promise would keep every chunk reachable until the end, so each
  // wait gets its own wake-up instead.)
  let stopped = false;
  let wake: (() => void) | undefined;
  const stopNow = (): void => {
    stopped = true;
    wake?.();
  };
  extract.once('close', stopNow);
  options.signal?.addEventListener('abort', stopNow, { once: true });
  const onAbort = (): void => {
    extract.destroy(new CancelledError());
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const feeding = (async () => {
    const iterator = source[Symbol.asyncIterator]();
    try {
      for (;;) {
        throwIfAborted(options.signal);
        const pending = iterator.next();
        const next = await new Promise<IteratorResult<Uint8Array> | 'stop'>((resolve, reject) => {
          if (stopped) resolve('stop');
          wake = () => resolve('stop');
          pending.then(resolve, reject);
        });
        wake = undefined;
        if (next === 'stop' || extract.destroyed) {
          // Abandoned: its eventual failure must not go unhandled.
          pending.catch(() => undefined);
          iterator.return?.()?.catch(() => undefined);
          return;
        }
        if (next.done) break;
        if (!extract.write(next.value)) await drained(extract);
      }
      if (!extract.destroyed) extract.end(undefined);
    } catch (err) {
      sourceError = err;
      extract.destroy(err as Error);
    }
  })();

  try {
    for await (const stream of extract) {
      entries++;
      current = stream.header;
      yield { header: stream.header, body: explained(stream as AsyncIterable<Uint8Array>, stream.header) };
      current = undefined;
    }
    if (sourceError) throw sourceError;
  } catch (err) {
    throw tarError(sourceError ?? err, options.what, entries, current);
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    options.signal?.removeEventListener('abort', stopNow);
    extract.destroy();
    await feeding;
  }

  /**
   * An entry's bytes. When the tar breaks under an entry (it ends early, say), the entry's stream
   * fails with a bare "Stream was destroyed"; the cause is the extractor's error, which is known
   * once it has closed.
   */
  async function* explained(body: AsyncIterable<Uint8Array>, header: tar.Header): AsyncGenerator<Uint8Array> {
    try {
      yield* body;
    } catch (err) {
      if (err instanceof StevedoreError || isCancelled(err)) throw err;
      if (!extract.destroyed) await new Promise<void>((resolve) => extract.once('close', () => resolve()));
      throw tarError(sourceError ?? extractError ?? err, options.what, entries, header);
    }
  }
}

/** Waits until a stream can take more data, or is gone. */
async function drained(stream: tar.Extract): Promise<void> {
  await new Promise<void>((resolve) => {
    const done = (): void => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}

/** Explains tar-stream's errors; StevedoreErrors and cancellation pass through unchanged. */
export function tarError(err: unknown, what: string, entriesSeen: number, current?: tar.Header): unknown {
  if (err instanceof StevedoreError || err instanceof CancelledError) return err;
  if (isCancelled(err)) return new CancelledError();
  const message = err instanceof Error ? err.message : String(err);
  if (/Unexpected end of data/.test(message)) {
    if (entriesSeen === 0) {
      return new StevedoreError('INVALID_ARCHIVE', `${what} is not a tar archive: it ends before the first header is complete. Give an archive made by docker save, podman save, skopeo or stevedore save.`, { cause: err });
    }
    const where = current ? ` in the middle of "${current.name}"` : ` in the middle of a header, after ${entriesSeen} entr${entriesSeen === 1 ? 'y' : 'ies'}`;
    return new StevedoreError('INVALID_ARCHIVE', `${what} is truncated: it ends${where}. Nothing was loaded; get a complete copy of the archive and try again.`, { cause: err });
  }
  if (/Invalid tar header|Invalid header/.test(message)) {
    if (entriesSeen === 0) {
      return new StevedoreError('INVALID_ARCHIVE', `${what} is not a tar archive (its first header is not a valid tar header). Give an archive made by docker save, podman save, skopeo or stevedore save.`, { cause: err });
    }
    return new StevedoreError('INVALID_ARCHIVE', `${what} is corrupt: the tar header after entry ${entriesSeen} is damaged. Nothing was loaded.`, { cause: err });
  }
  if (/Header exceeds max size/.test(message)) {
    return new StevedoreError('INVALID_ARCHIVE', `${what} has an extended tar header larger than 4 MiB after entry ${entriesSeen}. Refusing it: no image archive needs one. Nothing was loaded.`, { cause: err });
  }
  return new StevedoreError('INVALID_ARCHIVE', `${what} could not be read as a tar archive (${message}). The file may be truncated or corrupt; nothing was loaded.`, { cause: err });
}

/** Reads an entry's body to its end unread, so that the reader moves on to the next entry. */
export async function skipEntry(body: AsyncIterable<Uint8Array>): Promise<void> {
  for await (const _chunk of body) {
    // discarded
  }
}

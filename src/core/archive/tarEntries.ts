// Reads a tar stream entry by entry, pulling from any async source only as the entries' bodies are
// read, and turns a malformed archive into messages that say what is wrong with it. Headers are
// decoded by tarHeader.ts. An entry's body is handed out as views of the source's own chunks (no
// copy, no stream machinery per entry): a consumer that keeps bytes past its next read copies them.
// A body left unread is skipped when the next entry is asked for.

import { CancelledError, isCancelled, StevedoreError, throwIfAborted } from '../errors';
import { applyRecords, BLOCK, decodeBlock, decodeLongName, decodePax, padding, TarFormatError, type TarHeader } from './tarHeader';

export type { TarEntryType, TarHeader } from './tarHeader';

export interface TarEntry {
  header: TarHeader;
  body: AsyncIterable<Uint8Array>;
}

export interface TarReadOptions {
  /** Names the archive in messages: a file name, or "standard input". */
  what: string;
  signal?: AbortSignal;
}

/** A PAX or GNU long-name record larger than this describes no real entry. */
const MAX_RECORD_BYTES = 4 * 1024 * 1024;

/** The source ended before the archive did. */
class TruncatedError extends Error {
  constructor() {
    super('Unexpected end of data');
  }
}

/** A PAX or GNU record over MAX_RECORD_BYTES. */
class RecordTooLargeError extends Error {
  constructor() {
    super('Header exceeds max size');
  }
}

export async function* tarEntries(source: AsyncIterable<Uint8Array>, options: TarReadOptions): AsyncGenerator<TarEntry> {
  const input = new TarInput(source, options.signal);
  const { what } = options;
  let entries = 0;
  try {
    for (;;) {
      const header = await input.nextHeader();
      if (!header) return;
      entries++;
      yield { header, body: input.body(header, (err) => tarError(err, what, entries, header)) };
    }
  } catch (err) {
    throw tarError(err, what, entries, input.unfinished());
  } finally {
    input.close();
  }
}

/** The records met since the last entry, applied to the next one. */
interface Records {
  longPath?: string;
  longLinkPath?: string;
  pax?: Record<string, string>;
}

const EMPTY = new Uint8Array(0);

class TarInput {
  private readonly iterator: AsyncIterator<Uint8Array>;
  private chunk: Uint8Array = EMPTY;
  private at = 0;
  private ended = false;
  /** A pull left waiting by a cancel: the source is not waited for again. */
  private abandoned = false;
  /** The current entry, its body bytes not yet read, and the padding after them. */
  private entry: TarHeader | undefined;
  private remaining = 0;
  private pad = 0;
  /** Counts entries, so that a body read after the next entry was asked for is told so. */
  private generation = 0;
  private paxGlobal: Record<string, string> | undefined;

  constructor(
    source: AsyncIterable<Uint8Array>,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  /** The entry whose body was cut short, for the message. */
  unfinished(): TarHeader | undefined {
    return this.remaining > 0 ? this.entry : undefined;
  }

  /** The next entry's header (after any records that describe it), or undefined at the end. */
  async nextHeader(): Promise<TarHeader | undefined> {
    if (this.remaining > 0) await this.skip(this.remaining);
    this.remaining = 0;
    this.entry = undefined;
    this.generation++;
    await this.skip(this.pad);
    this.pad = 0;
    const records: Records = {};
    for (;;) {
      if (!(await this.fill())) return undefined;
      const decoded = decodeBlock(await this.read(BLOCK));
      if (decoded.kind === 'zero') continue;
      if (decoded.kind === 'entry') {
        const header = applyRecords(decoded.header, records);
        // A folder has no body in the archive, whatever its size says (as tar-stream read it).
        const bodySize = header.type === 'directory' ? 0 : header.size;
        this.entry = header;
        this.remaining = bodySize;
        this.pad = padding(bodySize);
        return header;
      }
      if (decoded.size > MAX_RECORD_BYTES) throw new RecordTooLargeError();
      if (decoded.size === 0) continue;
      const data = await this.read(decoded.size);
      // Decoded before the padding is skipped: skipping may pull the next chunk, and a source that
      // reuses its chunks may then overwrite the one `data` is a view of.
      switch (decoded.type) {
        case 'gnu-long-path':
          records.longPath = decodeLongName(data);
          break;
        case 'gnu-long-link-path':
          records.longLinkPath = decodeLongName(data);
          break;
        case 'pax-global-header':
          this.paxGlobal = decodePax(data);
          break;
        case 'pax-header':
          records.pax = { ...this.paxGlobal, ...decodePax(data) };
          break;
      }
      await this.skip(padding(decoded.size));
    }
  }

  /** The entry's bytes, as views of the source's chunks; `explain` turns a failure into the archive's error. */
  body(header: TarHeader, explain: (err: unknown) => unknown): AsyncGenerator<Uint8Array> {
    // Taken now: a generator's code runs only once it is first read.
    return this.bodyOf(header, this.generation, explain);
  }

  private async *bodyOf(header: TarHeader, generation: number, explain: (err: unknown) => unknown): AsyncGenerator<Uint8Array> {
    try {
      for (;;) {
        if (generation !== this.generation) throw new Error(`the body of "${header.name}" was read after the next entry was asked for`);
        if (this.remaining === 0) return;
        if (!(await this.fill())) throw new TruncatedError();
        const n = Math.min(this.remaining, this.chunk.length - this.at);
        const view = this.chunk.subarray(this.at, this.at + n);
        this.at += n;
        this.remaining -= n;
        yield view;
      }
    } catch (err) {
      throw explain(err);
    }
  }

  close(): void {
    // A source waited on by a cancelled pull may never answer: it is asked to finish, not waited for.
    if (!this.ended) this.iterator.return?.()?.catch(() => undefined);
    this.ended = true;
  }

  /** Whether a byte is at hand, pulling from the source if needed; false at its end. */
  private async fill(): Promise<boolean> {
    while (this.at >= this.chunk.length) {
      if (this.ended) return false;
      const next = await this.pull();
      if (next.done) {
        this.ended = true;
        this.chunk = EMPTY;
        this.at = 0;
        return false;
      }
      this.chunk = next.value;
      this.at = 0;
    }
    return true;
  }

  /** Exactly `length` bytes: a view when they are in one chunk, else a copy. */
  private async read(length: number): Promise<Uint8Array> {
    if (!(await this.fill())) throw new TruncatedError();
    if (this.chunk.length - this.at >= length) {
      const view = this.chunk.subarray(this.at, this.at + length);
      this.at += length;
      return view;
    }
    const out = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      if (!(await this.fill())) throw new TruncatedError();
      const n = Math.min(length - got, this.chunk.length - this.at);
      out.set(this.chunk.subarray(this.at, this.at + n), got);
      this.at += n;
      got += n;
    }
    return out;
  }

  private async skip(length: number): Promise<void> {
    while (length > 0) {
      if (!(await this.fill())) throw new TruncatedError();
      const n = Math.min(length, this.chunk.length - this.at);
      this.at += n;
      length -= n;
      if (this.entry && this.remaining > 0) this.remaining -= n;
    }
  }

  /** The source's next chunk; a cancel does not wait for a source that has stalled. */
  private pull(): Promise<IteratorResult<Uint8Array>> {
    if (this.abandoned) throw new CancelledError();
    throwIfAborted(this.signal);
    const pending = this.iterator.next();
    const signal = this.signal;
    if (!signal) return pending;
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        this.abandoned = true;
        // Abandoned: its eventual failure must not go unhandled.
        pending.catch(() => undefined);
        reject(new CancelledError());
      };
      signal.addEventListener('abort', onAbort, { once: true });
      pending.then(
        (result) => {
          signal.removeEventListener('abort', onAbort);
          resolve(result);
        },
        (err: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(err);
        },
      );
    });
  }
}

/** Explains a broken archive; StevedoreErrors and cancellation pass through unchanged. */
export function tarError(err: unknown, what: string, entriesSeen: number, current?: { name: string }): unknown {
  if (err instanceof StevedoreError || err instanceof CancelledError) return err;
  if (isCancelled(err)) return new CancelledError();
  if (err instanceof TruncatedError) {
    if (entriesSeen === 0) {
      return new StevedoreError('INVALID_ARCHIVE', `${what} is not a tar archive: it ends before the first header is complete. Give an archive made by docker save, podman save, skopeo or stevedore save.`, { cause: err });
    }
    const where = current ? ` in the middle of "${current.name}"` : ` in the middle of a header, after ${entriesSeen} entr${entriesSeen === 1 ? 'y' : 'ies'}`;
    return new StevedoreError('INVALID_ARCHIVE', `${what} is truncated: it ends${where}. Nothing was loaded; get a complete copy of the archive and try again.`, { cause: err });
  }
  if (err instanceof TarFormatError) {
    if (entriesSeen === 0) {
      return new StevedoreError('INVALID_ARCHIVE', `${what} is not a tar archive (its first header is not a valid tar header). Give an archive made by docker save, podman save, skopeo or stevedore save.`, { cause: err });
    }
    return new StevedoreError('INVALID_ARCHIVE', `${what} is corrupt: the tar header after entry ${entriesSeen} is damaged. Nothing was loaded.`, { cause: err });
  }
  if (err instanceof RecordTooLargeError) {
    return new StevedoreError('INVALID_ARCHIVE', `${what} has an extended tar header larger than 4 MiB after entry ${entriesSeen}. Refusing it: no image archive needs one. Nothing was loaded.`, { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new StevedoreError('INVALID_ARCHIVE', `${what} could not be read as a tar archive (${message}). The file may be truncated or corrupt; nothing was loaded.`, { cause: err });
}

/** Reads an entry's body to its end unread, so that the reader moves on to the next entry. */
export async function skipEntry(body: AsyncIterable<Uint8Array>): Promise<void> {
  for await (const _chunk of body) {
    // discarded
  }
}

// Reads a byte stream ahead of its consumer, into large pieces: for an engine's export over TLS,
// where streamedGet.ts cannot read the socket itself. The export arrives in pieces of a few KiB
// (52,000 of them for a 1 GB image from Docker 20.10) and the engine writes only as fast as we
// read: a consumer that hashes and writes each piece before asking for the next stalls the engine
// for every write. Here the source is read as soon as it has bytes, up to
// `limit` bytes ahead, and copied into pieces of `pieceSize`, so the consumer (tar reader, hash,
// file writes) pays its per-piece costs a thousand times instead of fifty thousand, while the
// engine never waits on it unless it is really behind.

export interface ReadAheadOptions {
  /** Size of the buffers the source is copied into; pieces handed on are at most this long. */
  pieceSize?: number;
  /** A consumer that is waiting gets what has arrived once it is this much (or the source ended). */
  minPiece?: number;
  /** Most bytes held for the consumer before the source is no longer read. */
  limit?: number;
}

const DEFAULT_PIECE = 1024 * 1024;
const DEFAULT_MIN_PIECE = 256 * 1024;
const DEFAULT_LIMIT = 32 * 1024 * 1024;

export async function* readAhead(source: AsyncIterable<Uint8Array>, options: ReadAheadOptions = {}): AsyncGenerator<Uint8Array> {
  const pieceSize = options.pieceSize ?? DEFAULT_PIECE;
  const minPiece = Math.min(options.minPiece ?? DEFAULT_MIN_PIECE, pieceSize);
  const limit = Math.max(options.limit ?? DEFAULT_LIMIT, pieceSize);
  const ready: Buffer[] = [];
  let held = 0;
  let buffer = Buffer.allocUnsafeSlow(pieceSize);
  /** buffer[start, filled) has arrived but is not yet in `ready`. */
  let start = 0;
  let filled = 0;
  let ended = false;
  let failure: { error: unknown } | undefined;
  let stopped = false;
  let consumerWaiting: (() => void) | undefined;
  let readerWaiting: (() => void) | undefined;

  const handOn = (): void => {
    if (filled > start) {
      ready.push(buffer.subarray(start, filled));
      held += filled - start;
      start = filled;
    }
    if (filled === pieceSize) {
      buffer = Buffer.allocUnsafeSlow(pieceSize);
      start = filled = 0;
    }
    const resume = consumerWaiting;
    consumerWaiting = undefined;
    resume?.();
  };

  const reading = (async () => {
    try {
      for await (const chunk of source) {
        let offset = 0;
        while (offset < chunk.length) {
          const n = Math.min(chunk.length - offset, pieceSize - filled);
          buffer.set(n === chunk.length ? chunk : chunk.subarray(offset, offset + n), filled);
          filled += n;
          offset += n;
          if (filled === pieceSize) handOn();
        }
        // A consumer that keeps up gets a smaller piece rather than waiting for a full one.
        if (consumerWaiting && filled - start >= minPiece) handOn();
        while (held >= limit && !stopped) await new Promise<void>((resolve) => (readerWaiting = resolve));
        if (stopped) return;
      }
      handOn();
    } catch (error) {
      failure = { error };
    } finally {
      ended = true;
      const resume = consumerWaiting;
      consumerWaiting = undefined;
      resume?.();
    }
  })();

  try {
    for (;;) {
      const next = ready.shift();
      if (next) {
        held -= next.length;
        const resume = readerWaiting;
        readerWaiting = undefined;
        resume?.();
        yield next;
        continue;
      }
      if (failure) throw failure.error;
      if (ended) return;
      await new Promise<void>((resolve) => (consumerWaiting = resolve));
    }
  } finally {
    // A consumer that stopped early: the reader stops at its next piece, and its loop closes the
    // source then. It is not waited for, since a source may have nothing more to say.
    stopped = true;
    (readerWaiting as (() => void) | undefined)?.();
    reading.catch(() => undefined);
  }
}

// Bytes that must be what a descriptor says, checked as they stream (go-containerregistry's
// verify.ReadCloser): hashed and counted on the way, never more than the size, and the last chunk
// held back until the digest checks out, so a reader that stops at a failure never takes a
// corrupt or tampered blob for a whole one.

import { DigestCounter } from '../digest';
import { throwIfAborted, type StevedoreError } from '../errors';

export interface ExpectedBytes {
  digest: string;
  size: number;
}

export async function* verifiedBytes(source: AsyncIterable<Uint8Array>, expected: ExpectedBytes, fail: (why: string) => StevedoreError, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  const counter = new DigestCounter();
  let held: Uint8Array | undefined;
  for await (const chunk of source) {
    throwIfAborted(signal);
    counter.update(chunk);
    if (counter.bytes > expected.size) throw fail(`it has more than the ${expected.size} bytes it should have`);
    if (held) yield held;
    held = chunk;
  }
  const digest = counter.digest();
  if (counter.bytes !== expected.size) throw fail(`it has ${counter.bytes} bytes, not ${expected.size}`);
  if (digest !== expected.digest) throw fail(`its content hashes to ${digest}`);
  if (held) yield held;
}

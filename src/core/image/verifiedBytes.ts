// Bytes that must be what a descriptor says, checked as they stream (go-containerregistry's
// verify.ReadCloser): hashed and counted on the way, never more than the size, and the last chunk
// held back until the digest checks out, so a reader that stops at a failure never takes a
// corrupt or tampered blob for a whole one.

import { DigestCounter, tryParseDigest } from '../digest';
import { throwIfAborted, type StevedoreError } from '../errors';

export interface ExpectedBytes {
  digest: string;
  /** Unknown for a layer's diffID: only the digest is checked then. */
  size?: number;
}

/** What did not match, for callers whose error code differs between the two. */
export type Mismatch = 'size' | 'digest';

export async function* verifiedBytes(
  source: AsyncIterable<Uint8Array>,
  expected: ExpectedBytes,
  fail: (why: string, mismatch: Mismatch) => StevedoreError,
  signal?: AbortSignal,
): AsyncGenerator<Uint8Array> {
  const counter = new DigestCounter(tryParseDigest(expected.digest)?.algorithm === 'sha512' ? 'sha512' : 'sha256');
  const { size } = expected;
  let held: Uint8Array | undefined;
  for await (const chunk of source) {
    throwIfAborted(signal);
    counter.update(chunk);
    if (size !== undefined && counter.bytes > size) throw fail(`it has more than the ${size} bytes it should have`, 'size');
    if (held) yield held;
    held = chunk;
  }
  const digest = counter.digest();
  if (size !== undefined && counter.bytes !== size) throw fail(`it has ${counter.bytes} bytes, not ${size}`, 'size');
  if (digest !== expected.digest) throw fail(`its content hashes to ${digest}`, 'digest');
  if (held) yield held;
}

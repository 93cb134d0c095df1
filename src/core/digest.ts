// Digests as the OCI spec defines them: `algorithm:encoded`. Only sha256 is produced; sha512 is
// accepted where the spec allows it. A digest is validated before it is ever used as a path.

import type { Hash } from 'node:crypto';
import { StevedoreError } from './errors';

/** node:crypto, loaded when a digest is first computed: commands that only read the store never do. */
function createHash(algorithm: string): Hash {
  return process.getBuiltinModule('node:crypto').createHash(algorithm);
}

const ENCODED_LENGTH: Record<string, number> = { sha256: 64, sha512: 128 };

export interface ParsedDigest {
  algorithm: 'sha256' | 'sha512';
  hex: string;
}

/** Returns null when `value` is not a well-formed sha256/sha512 digest. */
export function tryParseDigest(value: string): ParsedDigest | null {
  const colon = value.indexOf(':');
  if (colon <= 0) return null;
  const algorithm = value.slice(0, colon);
  const hex = value.slice(colon + 1);
  const expected = ENCODED_LENGTH[algorithm];
  if (expected === undefined || hex.length !== expected || !/^[a-f0-9]+$/.test(hex)) return null;
  return { algorithm: algorithm as ParsedDigest['algorithm'], hex };
}

export function parseDigest(value: string): ParsedDigest {
  const parsed = tryParseDigest(value);
  if (!parsed) {
    throw new StevedoreError('INVALID_ARGUMENT', `"${value}" is not a valid digest: expected sha256: followed by 64 lowercase hex digits.`);
  }
  return parsed;
}

export function isDigest(value: string): boolean {
  return tryParseDigest(value) !== null;
}

export function sha256Digest(data: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** Incremental hasher that also counts bytes, for verifying while streaming. */
export class DigestCounter {
  private readonly hash: Hash;
  private readonly algorithm: string;
  bytes = 0;

  constructor(algorithm: 'sha256' | 'sha512' = 'sha256') {
    this.algorithm = algorithm;
    this.hash = createHash(algorithm);
  }

  update(chunk: Uint8Array): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
  }

  digest(): string {
    return `${this.algorithm}:${this.hash.digest('hex')}`;
  }
}


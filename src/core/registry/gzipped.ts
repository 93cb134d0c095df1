// A layer compressed on its way to a registry. `source.pipe(gzip)` would leave an error of the
// source unhandled (the process dies) and the gzip stream waiting for an end that never comes, so
// the upload would hang; pipeline() destroys each side with the other's error.

import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream';

export function gzipped(source: Readable): Readable {
  // zlib on first use: a push whose layers are all compressed (or all in the registry) never loads it.
  const gzip = process.getBuiltinModule('node:zlib').createGzip();
  // The error reaches the reader of `gzip`, which pipeline destroys with it.
  pipeline(source, gzip, () => undefined);
  return gzip;
}

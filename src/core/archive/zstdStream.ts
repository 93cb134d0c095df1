// zstd decompression as a Node Transform. Node has it built in from 22.15 (VS Code's extension
// host, code-server's Node 24); on older Node (the CLI on Node 20) fzstd, a pure-JavaScript
// decoder, does the work. Either way the caller sees one stream API and one error shape.

import { Transform } from 'node:stream';
import { Decompress } from 'fzstd';

type NativeZstd = (options?: { chunkSize?: number }) => Transform;

export function createZstdInflater(chunkSize?: number): Transform {
  const native = (process.getBuiltinModule('node:zlib') as unknown as { createZstdDecompress?: NativeZstd }).createZstdDecompress;
  if (typeof native === 'function') return native(chunkSize ? { chunkSize } : {});
  return fzstdTransform();
}

/** fzstd's push API in a Transform. fzstd hands out views of its window, so each piece is copied. */
function fzstdTransform(): Transform {
  let push: (chunk: Buffer) => void = () => undefined;
  const decoder = new Decompress((data) => {
    if (data.length > 0) push(Buffer.from(data));
  });
  const transform = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      try {
        decoder.push(chunk);
        done();
      } catch (err) {
        done(err as Error);
      }
    },
    flush(done) {
      try {
        // Throws when the input ends inside a frame.
        decoder.push(new Uint8Array(0), true);
        done();
      } catch (err) {
        done(err as Error);
      }
    },
  });
  push = (chunk) => transform.push(chunk);
  return transform;
}

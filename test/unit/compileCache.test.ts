// Where the CLI keeps V8's compiled code, and which cache file a command line uses.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bundleSource, commandVariant, compileCacheDir } from '../../src/cli/compileCache';

describe('CLI compile cache', () => {
  it('lives under the user cache folder, and is off when asked', () => {
    assert.equal(compileCacheDir({ XDG_CACHE_HOME: '/home/u/.xcache', HOME: '/home/u' }), '/home/u/.xcache/stevedore/v8');
    assert.match(compileCacheDir({ XDG_CACHE_HOME: 'relative/ignored' })!, /\/\.cache\/stevedore\/v8$/);
    assert.equal(compileCacheDir({ XDG_CACHE_HOME: '/c', STEVEDORE_NO_COMPILE_CACHE: '1' }), undefined);
    assert.equal(compileCacheDir({ XDG_CACHE_HOME: '/c', NODE_DISABLE_COMPILE_CACHE: '1' }), undefined);
  });

  it('keys the cache by the command word, skipping global flags and the store path', () => {
    assert.equal(commandVariant(['--store', '/tmp/some store', 'image', 'ls']), 'image');
    assert.equal(commandVariant(['-D', 'images', '-q']), 'images');
    assert.equal(commandVariant(['--store=/x', 'pull', 'redis']), 'pull');
    assert.equal(commandVariant([]), 'none');
    assert.equal(commandVariant(['../../etc/x']), 'etcx');
    assert.equal(commandVariant(['/']), 'other');
  });

  it('reads an ASCII bundle as one-byte text and any other as UTF-8', () => {
    assert.equal(bundleSource(Buffer.from('const a = "\\u00b5s";\n')), 'const a = "\\u00b5s";\n');
    const utf8 = 'const a = "µs"; // request’s\n';
    assert.equal(bundleSource(Buffer.from(utf8, 'utf8')), utf8);
  });
});

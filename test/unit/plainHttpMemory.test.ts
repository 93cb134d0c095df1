// The file of insecure registries found speaking plain HTTP (core/registry/plainHttpMemory.ts).

import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { plainHttpMemoryFile } from '../../src/core/registry/plainHttpMemory';
import { tempDir } from '../helpers/fixtures';

describe('the plain-HTTP registry memory', () => {
  it('keeps both of two changes made at once, and leaves no temporary file', async () => {
    const { path, cleanup } = await tempDir();
    try {
      const file = join(path, 'cache', 'plain.json');
      const memory = plainHttpMemoryFile(file);
      await Promise.all([memory.remember('a:1', true), memory.remember('b:2', true), memory.remember('c:3', false)]);
      assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), { plainHttp: ['a:1', 'b:2'] });
      await Promise.all([memory.remember('a:1', false), memory.remember('d:4', true)]);
      const again = plainHttpMemoryFile(file);
      assert.deepEqual([await again.spokePlainHttp('a:1'), await again.spokePlainHttp('b:2'), await again.spokePlainHttp('d:4')], [false, true, true]);
      assert.deepEqual(await readdir(join(path, 'cache')), ['plain.json']);
    } finally {
      await cleanup();
    }
  });

  it('reads a damaged or foreign file as empty, and replaces it on the next change', async () => {
    const { path, cleanup } = await tempDir();
    try {
      const file = join(path, 'plain.json');
      await writeFile(file, '{not json');
      const memory = plainHttpMemoryFile(file);
      assert.equal(await memory.spokePlainHttp('a:1'), false);
      await memory.remember('a:1', true);
      assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), { plainHttp: ['a:1'] });
    } finally {
      await cleanup();
    }
  });
});

// The README shows screenshots the UI tests take (STEVEDORE_README_SCREENSHOTS=1 npm run test:ui
// writes them to media/readme/): every image it links is there, and is a PNG.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';

/** The checkout: the nearest folder up from this file (or its bundle) with the project's package.json. */
function repoRoot(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'README.md'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no checkout above ${__dirname}`);
  }
}

const ROOT = repoRoot();

describe('README screenshots', () => {
  it('links the Images and Registries views, the inspector and a pull in progress, each a PNG in media/readme/', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const linked = [...readme.matchAll(/!\[[^\]]*\]\((media\/readme\/[\w.-]+\.png)\)/g)].map((m) => m[1]!);
    for (const name of ['images-view', 'registries-view', 'inspector-1920x1080', 'progress-notification']) {
      assert.ok(linked.includes(`media/readme/${name}.png`), `the README does not show media/readme/${name}.png`);
    }
    for (const file of linked) {
      const path = join(ROOT, file);
      assert.ok(existsSync(path), `${file} is linked but missing: run STEVEDORE_README_SCREENSHOTS=1 npm run test:ui`);
      assert.deepEqual([...readFileSync(path).subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], `${file} is not a PNG`);
    }
  });
});

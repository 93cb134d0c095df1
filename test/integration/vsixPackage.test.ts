// `npm run package` is how VS Code desktop users get the extension, and `npm run vscode` (the
// README's first command) packages it before it starts VS Code. vsce refuses a README with relative
// image links when it knows no repository to point them at, so a screenshot added to the README
// could break both without any other test noticing. This packages with the script's own vsce
// arguments (into a temporary file, not the repository's stevedore.vsix) and checks what the
// extension needs at run time is inside, and nothing of the sources.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { run } from '../helpers/cli';
import { tempDir } from '../helpers/fixtures';

describe('npm run package', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  before(async () => {
    dir = await tempDir();
  });
  after(() => dir?.cleanup());

  it('packages a .vsix with the extension, the CLI it runs containers through, the webviews and the README with its images', async () => {
    const script: string = JSON.parse(await readFile('package.json', 'utf8')).scripts.package;
    // The script is "build && vsce package …": the build already ran for the tests; vsce alone here.
    const vsce = script.slice(script.indexOf('vsce package')).split(/\s+/);
    const out = vsce.indexOf('-o');
    assert.ok(out > 0, `the package script names its output with -o: ${script}`);
    const vsix = join(dir.path, 'stevedore.vsix');
    vsce[out + 1] = vsix;
    const packaged = await run(resolve('node_modules/.bin/vsce'), vsce.slice(1));
    assert.equal(packaged.code, 0, `${packaged.stdout}${packaged.stderr}`);
    const listed = await run('unzip', ['-Z1', vsix]);
    assert.equal(listed.code, 0, listed.stderr);
    const files = listed.stdout.split('\n').filter(Boolean);
    for (const needed of ['extension/package.json', 'extension/readme.md', 'extension/dist/extension.js', 'extension/dist/cli.js', 'extension/dist/cliMain.js', 'extension/dist/cliImages.js', 'extension/dist/cliRegistry.js', 'extension/dist/vendor/undici.js', 'extension/dist/vendor/openpgp.js', 'extension/dist/vendor/yaml.js', 'extension/dist/vendor/sigstore.js', 'extension/dist/webview/inspector.js', 'extension/media/stevedore.svg']) {
      assert.ok(files.includes(needed), `${needed} is in the package: ${files.join(', ')}`);
    }
    // Every image the README shows is in the package, at the path its relative link names.
    const readme = await readFile('README.md', 'utf8');
    const images = [...readme.matchAll(/!\[[^\]]*\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((src) => !/^[a-z]+:/.test(src));
    assert.ok(images.length > 0, 'the README shows screenshots');
    for (const src of images) assert.ok(files.includes(`extension/${src.replace(/^\.\//, '')}`), `${src} is in the package`);
    for (const file of files) assert.doesNotMatch(file, /^extension\/(src|test|node_modules|scripts|bench)\//, `${file} should not be in the package`);
  });
});

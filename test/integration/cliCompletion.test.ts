// Shell completion as users get it: the script `stevedore completion SHELL` prints, loaded into the
// real bash, zsh and fish, completes commands, group commands, flags, file names and the image
// references of a store with known images (through the hidden `stevedore __complete`).

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { CLI, runCli } from '../helpers/cli';
import { makeTar, tempDir } from '../helpers/fixtures';

const exec = promisify(execFile);

describe('stevedore CLI: shell completion', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let store: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    dir = await tempDir();
    store = join(dir.path, 'store');
    await writeFile(join(dir.path, 'rootfs.tar'), await makeTar([{ name: 'a.txt', content: 'a\n' }]));
    for (const ref of ['alpha/app:1', 'alpha/app:2', 'localhost:5000/team/beta:dev']) {
      const out = await runCli(store, ['import', join(dir.path, 'rootfs.tar'), ref]);
      assert.equal(out.code, 0, out.stderr);
    }
    // The scripts call `stevedore` by name, as an installed CLI is called.
    const bin = join(dir.path, 'bin');
    await mkdir(bin);
    await writeFile(join(bin, 'stevedore'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
    await chmod(join(bin, 'stevedore'), 0o755);
    env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, STEVEDORE_STORE: store, STEVEDORE_NO_COMPILE_CACHE: '1' };
  });
  after(() => dir.cleanup());

  /** COMPREPLY of the bash script for a command line with the cursor at its end. */
  async function bash(line: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<string[]> {
    const script = `source <(stevedore completion bash)\nCOMP_LINE="$LINE"; COMP_POINT=\${#LINE}; COMPREPLY=(); _stevedore\nprintf '%s\\n' "\${COMPREPLY[@]}"`;
    const { stdout } = await exec('bash', ['--norc', '--noprofile', '-c', script], { env: { ...env, ...extraEnv, LINE: line }, cwd: dir.path });
    return stdout.split('\n').filter((l) => l !== '');
  }

  it('bash: commands, group commands and flags', async () => {
    assert.deepEqual(await bash('stevedore im'), ['images', 'import', 'image']);
    const group = await bash('stevedore image ');
    for (const word of ['ls', 'rm', 'prune', 'tag', 'inspect', 'pull', 'push']) assert.ok(group.includes(word), `${word} missing from ${group.join(' ')}`);
    assert.ok(!group.includes('list') && !group.includes('__complete'));
    assert.deepEqual(await bash('stevedore images --fo'), ['--format']);
    const flags = await bash('stevedore images -');
    for (const flag of ['--all', '-a', '--digests', '--filter', '-f', '--format', '--no-trunc', '--quiet', '-q', '--help']) assert.ok(flags.includes(flag), `${flag} missing from ${flags.join(' ')}`);
    assert.ok(flags.every((f) => f.startsWith('-')));
    assert.ok(!(await bash('stevedore ')).includes('__complete'), 'the hidden command is not offered');
  });

  it('bash: image references from the store, with the part before a colon kept as bash splits it', async () => {
    assert.deepEqual(await bash('stevedore rmi al'), ['alpha/app:1', 'alpha/app:2']);
    assert.deepEqual(await bash('stevedore rmi alpha/app:'), ['1', '2']);
    assert.deepEqual(await bash('stevedore image inspect localhost:5000/t'), ['5000/team/beta:dev']);
    assert.deepEqual(await bash('stevedore history --format x alpha/app:2'), ['2']);
    // --store on the line is the store that is read; one that does not exist offers nothing and is not created.
    assert.deepEqual(await bash(`stevedore --store ${store} tag loc`, { STEVEDORE_STORE: join(dir.path, 'none') }), ['localhost:5000/team/beta:dev']);
    assert.deepEqual(await bash('stevedore rmi al', { STEVEDORE_STORE: join(dir.path, 'none') }), []);
    assert.equal(existsSync(join(dir.path, 'none')), false);
  });

  it('bash: file names for a file argument or a flag value', async () => {
    assert.deepEqual(await bash('stevedore load -i ro'), ['rootfs.tar']);
    assert.deepEqual(await bash('stevedore import ro'), ['rootfs.tar']);
  });

  it('zsh: the script parses and its function offers the same words', async () => {
    const script = join(dir.path, '_stevedore');
    await writeFile(script, (await runCli(store, ['completion', 'zsh'])).stdout);
    await exec('zsh', ['-n', script]);
    // compadd and _files stand in for zsh's completion system, which needs a terminal.
    const { stdout } = await exec('zsh', ['-f', '-c', `source ${script}; compadd() { print -l -- "$@" }; _files() { print FILES }; words=(stevedore rmi alpha/); CURRENT=3; _stevedore; words=(stevedore load -i x); CURRENT=4; _stevedore`], { env });
    assert.deepEqual(stdout.split('\n').filter((l) => l !== ''), ['-Q', '--', 'alpha/app:1', 'alpha/app:2', 'FILES']);
  });

  it('fish: the script parses and `complete -C` offers commands and image references', async () => {
    const script = join(dir.path, 'stevedore.fish');
    await writeFile(script, (await runCli(store, ['completion', 'fish'])).stdout);
    await exec('fish', ['-n', script]);
    const { stdout } = await exec('fish', ['--no-config', '-c', `source ${script}; complete -C'stevedore im'; printf '%s\\n' sep; complete -C'stevedore rmi alpha/app:'`], { env });
    assert.deepEqual(stdout.split('\n').filter((l) => l !== ''), ['image', 'images', 'import', 'sep', 'alpha/app:1', 'alpha/app:2']);
  });

  it('an unknown shell is refused with the ones there are', async () => {
    const out = await runCli(store, ['completion', 'tcsh']);
    assert.equal(out.code, 1);
    assert.match(out.stderr, /bash, zsh, fish/);
  });
});

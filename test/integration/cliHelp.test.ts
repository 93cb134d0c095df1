// Help as a Docker user expects it: `stevedore image` (a management group) alone lists its
// commands in the Docker CLI's layout and exits 0; an unknown word in a group is an error.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli';
import { tempDir } from '../helpers/fixtures';

describe('stevedore CLI: help for command groups', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  before(async () => {
    dir = await tempDir();
  });
  after(() => dir.cleanup());

  it('stevedore image alone prints Usage, the group summary and its commands, as docker image does', async () => {
    const out = await runCli(dir.path, ['image']);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stderr, '');
    assert.match(out.stdout, /^Usage: {2}stevedore image COMMAND\n\nManage images\n\nCommands:\n/);
    // cobra's layout: two spaces, the name padded to 11, one space, the summary; sorted by name.
    assert.match(out.stdout, /\n {2}ls {10}List images\n/);
    assert.match(out.stdout, /\n {2}rm {10}Remove one or more images\n/);
    assert.match(out.stdout, /\n {2}prune {7}Remove unused images\n/);
    const names = [...out.stdout.matchAll(/^ {2}(\S+) +\S/gm)].map((m) => m[1]!);
    assert.deepEqual(names, [...names].sort());
    for (const word of ['ls', 'tag', 'rm', 'prune', 'inspect', 'history', 'save', 'load', 'import', 'pull', 'push']) assert.ok(names.includes(word), `missing ${word} in ${names.join(',')}`);
    assert.ok(!names.includes('list') && !names.includes('remove'), 'aliases are not listed twice');
    assert.match(out.stdout, /\n\nRun 'stevedore image COMMAND --help' for more information on a command\.\n$/);
    const help = await runCli(dir.path, ['image', '--help']);
    assert.equal(help.code, 0);
    assert.equal(help.stdout, out.stdout);
  });

  it('stevedore system alone lists check', async () => {
    const out = await runCli(dir.path, ['system']);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /^Usage: {2}stevedore system COMMAND\n\n.+\n\nCommands:\n {2}check {7}\S/);
  });

  it('an unknown command in a group fails with exit 1 and says where to look', async () => {
    const out = await runCli(dir.path, ['image', 'frobnicate']);
    assert.equal(out.code, 1);
    assert.equal(out.stdout, '');
    assert.match(out.stderr, /unknown command: stevedore image frobnicate\n/);
    assert.match(out.stderr, /Run 'stevedore image --help' for more information/);
  });

  it('the main help lists the groups as Management Commands and every command runs its own --help', async () => {
    const out = await runCli(dir.path, ['--help']);
    assert.equal(out.code, 0);
    assert.match(out.stdout, /\nManagement Commands:\n {2}builder {5}Manage builds\n {2}container {3}Manage containers\n {2}image {7}Manage images\n/);
    const help = await runCli(dir.path, ['image', 'ls', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: {2}stevedore images \[OPTIONS\]/);
    assert.match(help.stdout, /\nList images\n/);
  });
});

// The parts of rootless containers that need no second user: reading /etc/subuid-style files, and
// the unshare command line that maps the user's ids as podman maps them.

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { subordinateRange, userNamespaceCommand, type RootlessSetup } from '../../src/core/runtime/userNamespace';
import { tempDir } from '../helpers/fixtures';

describe('user namespaces for rootless containers', () => {
  it('finds the first range a user has, by name or by uid, and skips lines it cannot read', async () => {
    const dir = await tempDir();
    try {
      const file = join(dir.path, 'subuid');
      await writeFile(file, 'other:100000:65536\nalice:0x10:5\nalice:165536:0\nalice:231072:65536\nalice:400000:10\n1002:300000:1000\n');
      assert.deepEqual(await subordinateRange(file, 'alice', 1001), { start: 231072, count: 65536 });
      assert.deepEqual(await subordinateRange(file, 'bob', 1002), { start: 300000, count: 1000 });
      assert.equal(await subordinateRange(file, 'carol', 1003), undefined);
      assert.equal(await subordinateRange(join(dir.path, 'absent'), 'alice', 1001), undefined);
    } finally {
      await dir.cleanup();
    }
  });

  it('maps the user to 0 and the subordinate ranges to 1…N, and gives no command while something is missing', () => {
    const setup: RootlessSetup = { uid: 1001, gid: 1001, user: 'alice', uids: { start: 231072, count: 65536 }, gids: { start: 300000, count: 1000 }, unshare: '/usr/bin/unshare', missing: [] };
    assert.deepEqual(userNamespaceCommand(setup, ['/usr/bin/node', 'cli.js', 'run', 'x']), {
      command: '/usr/bin/unshare',
      args: ['--map-root-user', '--map-users=231072,1,65536', '--map-groups=300000,1,1000', '--mount', '--', '/usr/bin/node', 'cli.js', 'run', 'x'],
    });
    assert.equal(userNamespaceCommand({ ...setup, missing: ['newuidmap and newgidmap'] }, ['node']), undefined);
  });
});

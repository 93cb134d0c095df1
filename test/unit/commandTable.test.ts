// The CLI's command table loads each command's code only when it runs; every entry must still
// lead to a command whose usage line names it, and no two commands may claim the same words.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { commandGroups, commandTable } from '../../src/cli/commandTable';

describe('CLI command table', () => {
  it('every entry loads a command whose usage starts with its first name', async () => {
    for (const entry of commandTable) {
      const command = await entry.load();
      assert.equal(typeof command.run, 'function', entry.names[0]!.join(' '));
      assert.ok(command.usage.startsWith(`stevedore ${entry.names[0]!.join(' ')}`), `${entry.names[0]!.join(' ')}: usage "${command.usage}"`);
    }
  });

  it('no words select two commands, and every two-word name belongs to a group', () => {
    const seen = new Set<string>();
    for (const entry of commandTable) {
      for (const words of entry.names) {
        const key = words.join(' ');
        assert.ok(!seen.has(key), `"${key}" is claimed twice`);
        seen.add(key);
        if (words.length === 2) assert.ok(commandGroups.some((g) => g.name === words[0]), `"${key}" has no group`);
      }
    }
  });
});

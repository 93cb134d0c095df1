// The launcher runs `images` from a bundle that knows no other command, and `pull` and `push` from
// another (bundleChoice.ts): every command line it sends to one must be one the full CLI also reads
// as that bundle's command, and none other.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bundleFor } from '../../src/cli/bundleChoice';
import { commandTable } from '../../src/cli/commandTable';
import { imagesEntry } from '../../src/cli/imagesEntry';
import { pullEntry, pushEntry } from '../../src/cli/registryEntries';
import { extractGlobalFlags } from '../../src/cli/globalFlags';
import { findCommand } from '../../src/cli/runCli';

/** What the full CLI runs for argv: the entry runCli finds after the global flags. */
function fullCliEntry(argv: readonly string[]) {
  return findCommand(commandTable, extractGlobalFlags(argv).rest)?.entry;
}

describe('CLI bundle choice', () => {
  it('sends images, image ls and image list (after any global flags) to the images bundle, which finds the same entry', () => {
    const lines = [
      ['images'],
      ['images', '-q'],
      ['image', 'ls', '--format', 'json'],
      ['image', 'list', 'busybox'],
      ['--store', '/tmp/s', 'images'],
      ['--store=/tmp/s', '-D', 'image', 'ls'],
      ['-D', '--store', 'images', 'images'],
      ['--debug', 'images', '--help'],
    ];
    for (const argv of lines) {
      assert.equal(bundleFor(argv), 'cliImages', argv.join(' '));
      assert.equal(fullCliEntry(argv), imagesEntry, argv.join(' '));
      assert.equal(findCommand([imagesEntry], extractGlobalFlags(argv).rest)?.entry, imagesEntry, argv.join(' '));
    }
  });

  it('sends pull and push (after any global flags) to the registry bundle, which finds the same entry', () => {
    const lines = [
      ['pull', 'busybox'],
      ['image', 'pull', '-q', 'busybox'],
      ['push', 'localhost:5000/app:1'],
      ['image', 'push', '--help'],
      ['--store', '/tmp/s', 'pull', 'x'],
      ['--store', 'images', 'pull', 'x'],
      ['-D', 'push', 'x'],
    ];
    for (const argv of lines) {
      assert.equal(bundleFor(argv), 'cliRegistry', argv.join(' '));
      const entry = fullCliEntry(argv);
      assert.ok(entry === pullEntry || entry === pushEntry, argv.join(' '));
      assert.equal(findCommand([pullEntry, pushEntry], extractGlobalFlags(argv).rest)?.entry, entry, argv.join(' '));
    }
  });

  it('sends everything else to the full bundle', () => {
    const lines = [
      [],
      ['--help'],
      ['version'],
      ['image'],
      ['image', 'inspect', 'x'],
      ['image', 'prune'],
      ['inspect', 'images'],
      ['--', 'images'],
      ['--', 'pull', 'x'],
      ['pulls'],
      ['image', 'pushed'],
      ['-q', 'images'],
      ['IMAGES'],
    ];
    for (const argv of lines) assert.equal(bundleFor(argv), 'cliMain', argv.join(' '));
  });

  it('every command line the full CLI runs as images, pull or push would be sent to that bundle, and only those', () => {
    // Each name of each command, alone and with global flags before it.
    for (const entry of commandTable) {
      for (const words of entry.names) {
        for (const argv of [words, ['--store', '/s', ...words], ['-D', ...words, '-q']]) {
          const found = fullCliEntry(argv);
          const bundle = found === imagesEntry ? 'cliImages' : found === pullEntry || found === pushEntry ? 'cliRegistry' : 'cliMain';
          assert.equal(bundleFor(argv), bundle, argv.join(' '));
        }
      }
    }
  });
});

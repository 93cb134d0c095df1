// The launcher runs `images` from a bundle that knows no other command (bundleChoice.ts): every
// command line it sends there must be one the full CLI also reads as `images`, and none other.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bundleFor } from '../../src/cli/bundleChoice';
import { commandTable } from '../../src/cli/commandTable';
import { imagesEntry } from '../../src/cli/imagesEntry';
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

  it('sends everything else to the full bundle', () => {
    const lines = [
      [],
      ['--help'],
      ['version'],
      ['image'],
      ['image', 'inspect', 'x'],
      ['image', 'prune'],
      ['inspect', 'images'],
      ['--store', 'images', 'pull', 'x'],
      ['pull', 'images'],
      ['--', 'images'],
      ['-q', 'images'],
      ['IMAGES'],
    ];
    for (const argv of lines) assert.equal(bundleFor(argv), 'cliMain', argv.join(' '));
  });

  it('every command line the full CLI runs as images would be sent to the images bundle, and only those', () => {
    // Each name of each command, alone and with global flags before it.
    for (const entry of commandTable) {
      for (const words of entry.names) {
        for (const argv of [words, ['--store', '/s', ...words], ['-D', ...words, '-q']]) {
          const images = fullCliEntry(argv) === imagesEntry;
          assert.equal(bundleFor(argv), images ? 'cliImages' : 'cliMain', argv.join(' '));
        }
      }
    }
  });
});

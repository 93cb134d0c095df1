// Reads the JSON lines test/vscode/suite/index.ts appends to $STEVEDORE_TEST_RESULTS
// ({event:'start'|'test'|'end'}) and prints them, for runSuite.mjs and runDesktop.mjs.
import { existsSync, readFileSync } from 'node:fs';

export function newTally() {
  return { ended: false, passed: 0, failed: 0, skipped: 0 };
}

/**
 * Prints and counts the complete lines of `file` after byte `offset`; returns the new offset.
 * A line still being written (no newline yet) is left for the next call.
 */
export function consumeResults(file, offset, tally, print = console.log) {
  if (!existsSync(file)) return offset;
  const buf = readFileSync(file);
  const end = buf.lastIndexOf(0x0a) + 1;
  if (end <= offset) return offset;
  for (const line of buf.subarray(offset, end).toString('utf8').split('\n')) {
    if (line.trim()) applyEvent(JSON.parse(line), tally, print);
  }
  return end;
}

function applyEvent(event, tally, print) {
  if (event.event === 'start') {
    print(`running ${event.total} test${event.total === 1 ? '' : 's'} inside VS Code`);
  } else if (event.event === 'test') {
    const mark = { passed: '✔', failed: '✖', skipped: '-' }[event.status] ?? '?';
    print(`${mark} ${event.name} (${event.durationMs} ms)`);
    if (event.error) print(event.error.replace(/^/gm, '    '));
    if (event.status in tally) tally[event.status] += 1;
  } else if (event.event === 'end') {
    tally.ended = true;
  }
}

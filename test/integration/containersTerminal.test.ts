// Containers with a terminal (-t) when the caller lends none: the CLI with piped output, and the
// core as the VS Code extension drives it (input and output as a terminal's bytes, a size, and
// resizes that reach the container's console). Real runc, as root.
//
// Runs beside others: its own temporary store; every container is removed by the test.

import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { runContainer } from '../../src/core/runtime/runContainer';
import type { TerminalSize } from '../../src/core/runtime/runtimeConsole';
import { FileImageStore } from '../../src/core/store/fileImageStore';
import { runCli } from '../helpers/cli';
import { makeTar, tempDir, type TarFile } from '../helpers/fixtures';

async function terminalRootfs(): Promise<Buffer> {
  const binary = await readFile('/bin/busybox');
  const entries: TarFile[] = [
    { name: 'bin/', type: 'directory' },
    { name: 'bin/busybox', content: binary, mode: 0o755 },
    ...['sh', 'cat', 'echo', 'stty', 'tty', 'sleep', 'true'].map((applet) => ({ name: `bin/${applet}`, type: 'symlink' as const, linkname: 'busybox' })),
    { name: 'etc/', type: 'directory' },
    { name: 'etc/passwd', content: 'root:x:0:0:root:/root:/bin/sh\n' },
    { name: 'tmp/', type: 'directory', mode: 0o1777 },
  ];
  return makeTar(entries);
}

/** Collects output and resolves `waitFor(text)` once the output holds `text` after what was consumed so far. */
class Screen extends Writable {
  text = '';
  private from = 0;
  private waiters: { text: string; resolve: () => void }[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString('utf8');
    this.check();
    done();
  }
  waitFor(text: string): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.push({ text, resolve });
      this.check();
    });
  }
  private check(): void {
    const first = this.waiters[0];
    if (!first) return;
    const at = this.text.indexOf(first.text, this.from);
    if (at < 0) return;
    this.from = at + first.text.length;
    this.waiters.shift();
    first.resolve();
    this.check();
  }
}

describe('containers with a terminal of their own', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let store: string;

  before(async () => {
    dir = await tempDir();
    store = join(dir.path, 'store');
    await writeFile(join(dir.path, 'rootfs.tar'), await terminalRootfs());
    const imported = await runCli(store, ['import', '-c', 'CMD ["/bin/sh"]', join(dir.path, 'rootfs.tar'), 'term:1']);
    assert.equal(imported.code, 0, imported.stderr);
  });
  after(async () => {
    await dir?.cleanup();
  });

  it('run -t with piped output gives the container a terminal (80x24, CRLF) and its exit status', async () => {
    const result = await runCli(store, ['run', '--rm', '-t', 'term:1', 'sh', '-c', 'stty size; tty; echo two words; exit 7']);
    assert.equal(result.code, 7, result.stderr);
    assert.equal(result.stdout, '24 80\r\n/dev/pts/0\r\ntwo words\r\n');
    assert.equal((await runCli(store, ['ps', '-aq'])).stdout, '', 'the --rm container is gone');
  });

  it('run without -t has no terminal (no regression of the pipe path)', async () => {
    const result = await runCli(store, ['run', '--rm', 'term:1', 'sh', '-c', 'tty; echo plain']);
    assert.equal(result.stdout, 'not a tty\nplain\n');
  });

  it('an interactive terminal in the core: typed input, the given size, and a resize reaching the container', async () => {
    const imageStore = await FileImageStore.open(store);
    const screen = new Screen();
    const input = new PassThrough();
    let resizeListener: ((size: TerminalSize) => void) | undefined;
    const running = runContainer(imageStore, {
      image: await imageStore.find('term:1'),
      imageName: 'term:1',
      autoRemove: true,
      tty: true,
      interactive: true,
      io: {
        stdin: input,
        stdout: screen,
        terminal: {
          size: { columns: 77, rows: 33 },
          onResize(listener) {
            resizeListener = listener;
            return () => (resizeListener = undefined);
          },
        },
      },
    });
    // Typed ahead, before the shell (or runc) is up: the console has its size from the start.
    input.write('stty size\r');
    await screen.waitFor('33 77\r\n');
    // A shell that prints the size when its console's size changes (SIGWINCH reaches it after runc
    // resized the container's console) and then ends; the test waits for that, whenever it comes.
    input.write(`sh -c "trap 'echo resized; stty size; exit 5' WINCH; echo trapped; while :; do sleep 1; done"; exit $?\r`);
    await screen.waitFor('trapped\r\n');
    assert.ok(resizeListener, 'the core listens for resizes while the container runs');
    resizeListener({ columns: 120, rows: 50 });
    await screen.waitFor('resized\r\n50 120\r\n');
    const { exitCode } = await running;
    assert.equal(exitCode, 5, screen.text);
    assert.equal(resizeListener, undefined, 'the resize listener is removed when the container ends');
  });

  it('a resize asked for before the container printed anything (or runc started) still reaches its console', async () => {
    const imageStore = await FileImageStore.open(store);
    const screen = new Screen();
    let listening!: (listener: (size: TerminalSize) => void) => void;
    const registered = new Promise<(size: TerminalSize) => void>((resolve) => (listening = resolve));
    // Silent until its console has the new size (it looks once a second), so nothing it prints can
    // tell the core that the console is up.
    const watcher = 'while :; do s=$(stty size); if [ "$s" = "40 100" ]; then echo "now $s"; exit 4; fi; sleep 1; done';
    const running = runContainer(imageStore, {
      image: await imageStore.find('term:1'),
      imageName: 'term:1',
      command: ['sh', '-c', watcher],
      autoRemove: true,
      tty: true,
      io: {
        stdout: screen,
        terminal: {
          size: { columns: 80, rows: 24 },
          onResize(listener) {
            listening(listener);
            return () => undefined;
          },
        },
      },
    });
    (await registered)({ columns: 100, rows: 40 });
    const { exitCode } = await running;
    assert.equal(exitCode, 4, screen.text);
    assert.equal(screen.text, 'now 40 100\r\n');
  });
});

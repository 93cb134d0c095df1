// `run` (also `--rm` and `-t` with no terminal to lend) and `build` killed with SIGKILL at random
// moments (the seed is printed; STEVEDORE_TEST_SEED repeats a run): whatever the moment — while the
// root filesystem is unpacked, while runc starts, while the container runs — `system check
// --repair` clears what is left, after which the check finds nothing, no container process of the
// killed run (nor a terminal relay) is alive, the runtime has no state left and no mount is left
// below the store.

import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { busyboxRootfs } from '../helpers/busybox';
import { CLI, runCli } from '../helpers/cli';
import { tempDir } from '../helpers/fixtures';
import { livePids } from '../helpers/processes';
import { seededRandom } from '../helpers/seed';

/** PIDs of live (not zombie) processes whose command line holds `marker`. */
function processesWith(marker: string): Promise<number[]> {
  return livePids((cmdline) => cmdline.includes(marker));
}

/** PIDs of live processes started for a container console of this store (runtimeConsole.ts passes the bundle in their environment). */
async function consoleRelaysOf(store: string): Promise<number[]> {
  const out: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const environ = await readFile(`/proc/${name}/environ`, 'utf8').catch(() => '');
    if (!environ.split('\0').some((e) => e.startsWith('STEVEDORE_BUNDLE=') && e.includes(store))) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    if (/\) Z /.test(stat)) continue;
    out.push(Number(name));
  }
  return out;
}

describe('run and build killed at random moments', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let store: string;

  before(async () => {
    dir = await tempDir();
    store = join(dir.path, 'store');
    await writeFile(join(dir.path, 'rootfs.tar'), await busyboxRootfs());
    const imported = await runCli(store, ['import', '-c', 'CMD ["/bin/sh"]', join(dir.path, 'rootfs.tar'), 'base:1']);
    assert.equal(imported.code, 0, imported.stderr);
  });
  after(async () => {
    await dir?.cleanup();
  });

  it('a cancel that comes before the runtime has made the container still kills it', async () => {
    // A runtime that, for `run`, first waits until the CLI's cancel has reached it (the SIGTERM
    // the CLI sends the runtime on a cancel), then is runc: the container is made only after the
    // cancel, and its init (a shell, pid 1) has no handler for a signal passed on to it.
    const wrapper = join(dir.path, 'late-runc');
    const flags = join(dir.path, 'late');
    await mkdir(flags);
    await writeFile(wrapper, `#!/bin/sh\nif [ "$3" = run ]; then\n  trap 'touch ${flags}/cancelled' TERM\n  touch ${flags}/started\n  while [ ! -e ${flags}/cancelled ]; do sleep 0.05; done\nfi\nexec runc "$@"\n`, { mode: 0o755 });
    const child = spawn(process.execPath, [CLI, '--store', store, 'run', '--rm', '--runtime', wrapper, 'base:1', 'sh', '-c', 'busybox sleep 60; echo survived'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const closed = new Promise<number | null>((resolve) => child.once('close', resolve));
    while (!(await readdir(flags)).includes('started')) await new Promise((resolve) => setTimeout(resolve, 50));
    child.kill('SIGTERM');
    const code = await closed;
    assert.doesNotMatch(out, /survived/, 'the container ran its course after the cancel');
    assert.notEqual(code, 0, out);
    assert.match(out, /Cancelled/);
    assert.deepEqual(await processesWith('busybox sleep 60; echo survived'), []);
  });

  it('leaves nothing that system check --repair cannot clear, ten times', async () => {
    const random = seededRandom('run kill moments');
    const seed = random.seed;
    for (let round = 0; round < 10; round++) {
      const marker = `stevedore-kill-${seed}-${round}`;
      // Rounds take turns: run, run --rm, build with a RUN step, and run -t with no terminal to
      // lend (the runtime under util-linux script on a pty of its own).
      const script = `echo ${marker} > /m; busybox sleep 600; echo ${marker}`;
      const kind = round % 4;
      let args = [CLI, '--store', store, 'run', ...(kind === 1 ? ['--rm'] : kind === 3 ? ['-t'] : []), 'base:1', 'sh', '-c', script];
      if (kind === 2) {
        const context = join(dir.path, `context-${round}`);
        await mkdir(context);
        await writeFile(join(context, 'Dockerfile'), `FROM base:1\nRUN echo ${marker} > /first\nRUN ${script}\n`);
        args = [CLI, '--store', store, 'build', '-t', `built:${round}`, context];
      }
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const closed = new Promise((resolve) => child.once('close', resolve));
      const delay = random.below(1500);
      await new Promise((resolve) => setTimeout(resolve, delay));
      child.kill('SIGKILL');
      await closed;
      assert.equal(child.signalCode, 'SIGKILL', `round ${round}: run ended before it was killed: ${stderr}`);

      const repair = await runCli(store, ['system', 'check', '--repair']);
      assert.equal(repair.code, 0, `round ${round} (kill after ${delay} ms): ${repair.stdout}${repair.stderr}`);
      const check = await runCli(store, ['system', 'check']);
      assert.equal(check.code, 0, check.stdout);
      assert.match(check.stdout, /No problems found/, `round ${round} (kill after ${delay} ms): ${check.stdout}`);
      assert.deepEqual(await processesWith(marker), [], `round ${round}: the container's process outlived the repair`);
      assert.deepEqual(await consoleRelaysOf(store), [], `round ${round}: a terminal relay (script, runc) of the killed run outlived the repair`);
      const runtimeState = execFileSync('runc', ['--root', join(store, 'stevedore', 'runtime-state'), 'list', '-q'], { encoding: 'utf8' });
      assert.equal(runtimeState, '', `round ${round}: runc still has state`);
      const mounts = await readFile('/proc/self/mountinfo', 'utf8');
      assert.ok(!mounts.includes(store), `round ${round}: a mount is left below the store`);
      assert.equal((await runCli(store, ['images', '-q', `built:${round}`])).stdout, '', `round ${round}: a killed build stored an image`);
      // Whatever is left is a stopped container that `ps -a` shows and `rm` removes.
      const ps = await runCli(store, ['ps', '-a', '--format', '{{.Status}}']);
      for (const line of ps.stdout.split('\n').filter(Boolean)) assert.match(line, /^(Exited \(\d+\)|Created)/, `round ${round}: ${ps.stdout}`);
    }
  });
});

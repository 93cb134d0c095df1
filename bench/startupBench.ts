// Goals (issue 10): commands that do little should cost little more than the peers' do.
//   no-op pull (every blob present) and push (every blob in the registry) of a small image in at
//   most 2× `skopeo copy`'s time on the same image and registry.
// (`images` against `docker images` is in the images section.) Runs alternate between the tools,
// so load on the machine hits both alike; the compile cache is warmed by a first, untimed run.

import { spawnSync } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { randomRootfs } from '../test/helpers/fixtures';
import { startRegistry, type RunningRegistry } from '../test/helpers/registry';
import { cpuModel, measureShort, printRuns, type Measured } from './cpuTimes';

const CACHE = resolve('.cache/bench/startup');
const CLI = resolve('dist/cli.js');
const RUNS = 9;

export async function startupBench(): Promise<void> {
  console.log(`CPU: ${cpuModel()}; Node ${process.version}`);
  await rm(CACHE, { recursive: true, force: true });
  await mkdir(CACHE, { recursive: true });
  const policy = join(CACHE, 'policy.json');
  await writeFile(policy, JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }));
  const store = join(CACHE, 'store');
  const cli = (...args: string[]): void => mustRun(process.execPath, [CLI, '--store', store, ...args]);
  // A small image of three layers (1 MiB of random data each): what the tools do is start up and ask.
  for (let i = 0; i < 3; i++) await writeFile(join(CACHE, `layer${i}.tar`), await randomRootfs(4, 256 * 1024));
  cli('import', join(CACHE, 'layer0.tar'), 'bench/small:base');
  cli('commit', 'bench/small:base', join(CACHE, 'layer1.tar'), 'bench/small:two');
  cli('commit', 'bench/small:two', join(CACHE, 'layer2.tar'), 'bench/small:1');

  let registry: RunningRegistry | undefined;
  try {
    registry = await startRegistry({ storageDir: join(CACHE, 'registry') });
    const ref = `${registry.host}/bench/small:1`;
    cli('tag', 'bench/small:1', ref);
    cli('push', ref);
    const layout = join(CACHE, 'skopeo-layout');
    const skopeo = ['--policy', policy, 'copy', '--quiet'];
    mustRun('skopeo', [...skopeo, '--src-tls-verify=false', `docker://${ref}`, `oci:${layout}:small`]);

    // Node's own start-up (no script) is the floor under any Node CLI: shown so that a ratio can be
    // read against what is left to cut (on a loaded machine it alone can exceed 2x skopeo).
    const runs = { stevedore: [] as Measured[], skopeo: [] as Measured[], 'node -e 0': [] as Measured[] };
    const pushRuns = { stevedore: [] as Measured[], skopeo: [] as Measured[] };
    // dist/cli.js run as a program, as the `stevedore` command is (its sh line starts Node: scripts/build.mjs).
    const pull = (): Measured => measureShort(CLI, ['--store', store, 'pull', ref]);
    const push = (): Measured => measureShort(CLI, ['--store', store, 'push', ref]);
    pull();
    push();
    for (let i = 0; i < RUNS; i++) {
      runs.stevedore.push(pull());
      runs.skopeo.push(measureShort('skopeo', [...skopeo, '--src-tls-verify=false', `docker://${ref}`, `oci:${layout}:small`]));
      runs['node -e 0'].push(measureShort(process.execPath, ['-e', '0']));
      pushRuns.stevedore.push(push());
      pushRuns.skopeo.push(measureShort('skopeo', [...skopeo, '--dest-tls-verify=false', `oci:${layout}:small`, `docker://${ref}`]));
    }
    printRuns('pull of an image already in the store', runs, 'ratio stevedore/skopeo <= 2');
    printRuns('push when every blob is in the registry', pushRuns, 'ratio stevedore/skopeo <= 2');
    if (process.env.NODE_EXTRA_CA_CERTS) console.log(`  note: NODE_EXTRA_CA_CERTS is set (${process.env.NODE_EXTRA_CA_CERTS}): node -e 0 parses it at start, stevedore defers it`);
  } finally {
    await registry?.stop();
    await rm(CACHE, { recursive: true, force: true });
  }
}

function mustRun(cmd: string, args: string[]): void {
  const result = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  if (result.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${result.stderr.toString()}`);
}

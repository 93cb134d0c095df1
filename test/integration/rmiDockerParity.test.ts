// rmi and image prune --filter side by side with a private dockerd (Debian's 20.10) on the same
// rootfs and the same steps: the same refusals, the same untag/delete lines, the same filter
// errors. Image IDs differ between the two (import records different configs), so they are
// replaced by <id> before comparing.

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, type CliResult } from '../helpers/cli';
import { startDockerd, type Dockerd } from '../helpers/dockerd';
import { randomRootfs, tempDir } from '../helpers/fixtures';

describe('rmi and prune filters beside docker', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let engine: Dockerd;
  let tarball: string;

  before(async () => {
    dir = await tempDir();
    tarball = join(dir.path, 'rootfs.tar');
    await writeFile(tarball, await randomRootfs());
    engine = await startDockerd();
  });
  after(async () => {
    await engine?.stop();
    await dir?.cleanup();
  });

  /** Runs the same steps on both; returns each side's results with IDs and Docker's error prefix normalised. */
  async function bothSides(steps: (run: (args: string[]) => Promise<CliResult>, id: string) => Promise<void>, store: string): Promise<{ docker: string[]; ours: string[] }> {
    const out = { docker: [] as string[], ours: [] as string[] };
    const sides = [
      { name: 'docker' as const, run: (args: string[]) => engine.docker(args, { input: '' }) },
      { name: 'ours' as const, run: (args: string[]) => runCli(store, args) },
    ];
    for (const side of sides) {
      const imported = side.name === 'docker' ? await engine.docker(['import', tarball, 'one:a']) : await runCli(store, ['import', tarball, 'one:a']);
      assert.equal(imported.code, 0, imported.stderr);
      const id = imported.stdout.trim();
      const short = id.slice(7, 19);
      const record = async (args: string[]): Promise<CliResult> => {
        const result = await side.run(args);
        const normalise = (text: string): string =>
          text
            .replaceAll(id, '<id>')
            .replaceAll(short, '<short>')
            .replace(/^Error response from daemon: /gm, 'Error: ')
            // Docker also prints the layers it deletes; the store prints its blobs: both after the image line.
            .replace(/(Deleted: <id>\n)[\s\S]*$/, '$1');
        out[side.name].push(`${normalise(args.join(' '))} → ${result.code} ${normalise(result.stdout)}${normalise(result.stderr)}`);
        return result;
      };
      await steps(record, short);
    }
    return out;
  }

  it('rmi by ID: two tags in one repository or tags in two need -f; one tag untags and deletes', async () => {
    const { docker, ours } = await bothSides(async (run, short) => {
      await run(['tag', 'one:a', 'one:b']);
      await run(['rmi', short]);
      await run(['rmi', 'one:b']);
      await run(['tag', 'one:a', 'two:a']);
      await run(['rmi', short]);
      await run(['rmi', 'two:a']);
      await run(['rmi', short]);
      await run(['rmi', short]);
    }, join(dir.path, 'rmi'));
    assert.deepEqual(ours, docker);
  });

  it('image prune --filter: the values docker refuses are refused with its words', async () => {
    const { docker, ours } = await bothSides(async (run) => {
      for (const filter of ['until=bogus', 'until=', 'until=1d', 'until=2006-13-01', 'until=2006-01-02Z07:00', 'foo=bar']) {
        await run(['image', 'prune', '-a', '-f', '--filter', filter]);
      }
      await run(['image', 'prune', '-a', '-f', '--filter', 'until=1h', '--filter', 'until=2h']);
      // Accepted forms: the image was made just now, so each keeps it.
      for (const filter of ['until=1h', 'until=1.5h', 'until=1h30m', 'until=2006-01-02', 'until=2006-01-02T15:04:05', 'until=2006-01-02T15:04:05.5Z', 'until=1136214245.5']) {
        await run(['image', 'prune', '-a', '-f', '--filter', filter]);
      }
      await run(['rmi', 'one:a']);
    }, join(dir.path, 'prune'));
    // Docker 20.10 capitalises "Invalid filter"; newer engines (and Stevedore) do not.
    assert.deepEqual(ours, docker.map((line) => line.replace("Error: Invalid filter '", "Error: invalid filter '")));
  });
});

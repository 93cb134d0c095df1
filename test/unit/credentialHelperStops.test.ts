// A credential helper that never answers (a keychain waiting for an unlock nobody gives) is
// stopped after the timeout, and one a cancelled operation no longer needs is stopped at once:
// neither holds the pull, and no helper process is left behind.

import assert from 'node:assert/strict';
import { chmod, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { isCancelled, StevedoreError } from '../../src/core/errors';
import { helperGet } from '../../src/core/registry/credentialHelper';
import { dockerCredentials } from '../../src/core/registry/credentials';
import { tempDir } from '../helpers/fixtures';

const HELPER = 'stevedorehang';

/** A helper that records that it started, then waits forever without reading or answering. */
async function installHangingHelper(binDir: string, startedFile: string): Promise<string> {
  await mkdir(binDir, { recursive: true });
  const path = join(binDir, `docker-credential-${HELPER}`);
  await writeFile(path, `#!${process.execPath}\nrequire('node:fs').writeFileSync(${JSON.stringify(startedFile)}, String(process.pid));\nsetInterval(() => {}, 1 << 30);\n`);
  await chmod(path, 0o755);
  return path;
}

/** Processes whose command line names `marker` (the helper's path), read from /proc. */
async function processesNaming(marker: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(marker)) found.push(Number(entry));
  }
  return found;
}

async function whenExists(path: string): Promise<void> {
  // Polls without a deadline: the test runner's own timeout is the only limit.
  while (!(await stat(path).catch(() => undefined))) await new Promise((r) => setTimeout(r, 20));
}

describe('credential helpers that do not answer', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let env: NodeJS.ProcessEnv;
  let helperPath: string;
  let startedFile: string;

  beforeEach(async () => {
    dir = await tempDir();
    startedFile = join(dir.path, 'started');
    helperPath = await installHangingHelper(join(dir.path, 'bin'), startedFile);
    env = { HOME: join(dir.path, 'home'), PATH: `${join(dir.path, 'bin')}:${process.env.PATH}`, XDG_RUNTIME_DIR: join(dir.path, 'run') };
  });
  afterEach(() => dir.cleanup());

  it('a helper that never answers is stopped after the timeout, with an error that names it and says what to do', async () => {
    await assert.rejects(helperGet(HELPER, 'reg.example.com', env, { timeoutMs: 300 }), (err: unknown) => {
      assert.ok(err instanceof StevedoreError, String(err));
      assert.equal(err.code, 'IO_ERROR');
      assert.match(err.message, /docker-credential-stevedorehang did not answer within 0\.3 s and was stopped/);
      assert.match(err.message, /STEVEDORE_CREDENTIAL_HELPER_TIMEOUT/);
      return true;
    });
    assert.deepEqual(await processesNaming(helperPath), [], 'the helper process is gone');
  });

  it('STEVEDORE_CREDENTIAL_HELPER_TIMEOUT sets the timeout; a value that is not seconds is refused', async () => {
    await assert.rejects(helperGet(HELPER, 'reg.example.com', { ...env, STEVEDORE_CREDENTIAL_HELPER_TIMEOUT: '0.2' }), /did not answer within 0\.2 s/);
    await assert.rejects(helperGet(HELPER, 'reg.example.com', { ...env, STEVEDORE_CREDENTIAL_HELPER_TIMEOUT: '2m' }), /STEVEDORE_CREDENTIAL_HELPER_TIMEOUT must be a number of seconds/);
    assert.deepEqual(await processesNaming(helperPath), []);
  });

  it('a lookup through the Docker config is cancelled by its signal, and the helper it started is stopped', async () => {
    await mkdir(join(dir.path, 'home', '.docker'), { recursive: true });
    await writeFile(join(dir.path, 'home', '.docker', 'config.json'), JSON.stringify({ credHelpers: { 'reg.example.com': HELPER } }));
    const controller = new AbortController();
    const lookup = dockerCredentials(env)('reg.example.com', controller.signal);
    await whenExists(startedFile);
    // The helper writes its PID into the file it created: read until the number is all there.
    let text = await readFile(startedFile, 'utf8');
    while (!/^\d+\s*$/.test(text)) {
      await new Promise((r) => setTimeout(r, 20));
      text = await readFile(startedFile, 'utf8');
    }
    const pid = Number(text);
    assert.deepEqual(await processesNaming(helperPath), [pid], 'the helper is running while the lookup waits');
    controller.abort();
    await assert.rejects(lookup, (err: unknown) => isCancelled(err));
    assert.deepEqual(await processesNaming(helperPath), [], 'the helper process is gone');
  });

  it('an already cancelled lookup starts no helper', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(helperGet(HELPER, 'reg.example.com', env, { signal: controller.signal }), (err: unknown) => isCancelled(err));
    assert.equal(await stat(startedFile).catch(() => undefined), undefined);
  });
});

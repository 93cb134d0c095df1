// Unprivileged users for the tests of containers without root (run as root, as CI runs them):
// added without a home, with exactly the subordinate id ranges the test gives (none from
// login.defs), and removed at the end; userdel also takes their lines out of /etc/subuid and
// /etc/subgid.

import assert from 'node:assert/strict';
import { run, type CliResult } from './cli';

export interface SubordinateIds {
  start: number;
  count: number;
}

export interface AddedUser {
  name: string;
  uid: number;
  gid: number;
}

/** Runs a command that must succeed; its output is in the failure's message. */
export async function mustRun(cmd: string, args: string[]): Promise<CliResult> {
  const result = await run(cmd, args);
  assert.equal(result.code, 0, `${cmd} ${args.join(' ')}: ${result.stdout}${result.stderr}`);
  return result;
}

/**
 * Adds `name`, with `ids` as both its subordinate uid and gid range when given, else none. The name
 * goes into `made` as soon as the user exists, so that a later step failing still leaves it there
 * for `removeUsers`.
 */
export async function addUser(made: string[], name: string, ids?: SubordinateIds): Promise<AddedUser> {
  await mustRun('useradd', ['-M', '-K', 'SUB_UID_COUNT=0', '-K', 'SUB_GID_COUNT=0', name]);
  made.push(name);
  if (ids) {
    const range = `${ids.start}-${ids.start + ids.count - 1}`;
    await mustRun('usermod', ['--add-subuids', range, '--add-subgids', range, name]);
  }
  const uid = Number((await mustRun('id', ['-u', name])).stdout.trim());
  const gid = Number((await mustRun('id', ['-g', name])).stdout.trim());
  return { name, uid, gid };
}

export async function removeUsers(names: readonly string[]): Promise<void> {
  for (const name of names) await run('userdel', [name]);
}

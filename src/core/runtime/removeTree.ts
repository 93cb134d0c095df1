// Removes a folder that may hold files of the user's subordinate ids: a layer snapshot a rootless
// container unpacked (its owners are the image's, mapped into the user's range). The user cannot
// remove those from outside the user namespace (a folder owned by a subordinate id is not the
// user's to empty), so then, as `buildah unshare rm` or `podman unshare rm` do, the removal runs
// inside a namespace like the one that made them. Garbage collection after `rmi` or `image prune`
// runs outside one; `run`, `build` and `system check` already run inside.

import { rm } from 'node:fs/promises';
import { StevedoreError, errorMessage } from '../errors';
import { containerPrivileges, rootlessSetup, userNamespaceCommand } from './userNamespace';

export async function removeTree(path: string): Promise<void> {
  try {
    await rm(path, { recursive: true, force: true, maxRetries: 3 });
    return;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if ((code !== 'EACCES' && code !== 'EPERM') || containerPrivileges() !== 'none') throw err;
    const command = userNamespaceCommand(await rootlessSetup(), ['rm', '-rf', '--', path]);
    if (!command) throw err;
    // node:child_process is loaded only here: most removals never need it.
    const { execFile } = process.getBuiltinModule('node:child_process');
    await new Promise<void>((resolve, reject) =>
      execFile(command.command, command.args, (failure, _stdout, stderr) =>
        failure ? reject(new StevedoreError('IO_ERROR', `Could not remove ${path}, whose files belong to your subordinate ids, in a user namespace: ${String(stderr).trim() || errorMessage(failure)}`, { cause: err })) : resolve(),
      ),
    );
  }
}

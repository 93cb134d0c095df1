// `stevedore rm [-f] CONTAINER...` — removes containers and their root filesystems; a running one
// only with -f, which kills it first.

import { errorMessage, StevedoreError } from '../../core/errors';
import { findContainer, removeContainerFiles, runtimeStateDir } from '../../core/runtime/containerRecord';
import { deleteContainer, findRuntime } from '../../core/runtime/ociRuntime';
import { isProcessAlive } from '../../core/store/processes';
import { boolFlag, type Command } from '../command';
import { writeLine } from '../context';

export const rmCommand: Command = {
  usage: 'stevedore rm [OPTIONS] CONTAINER [CONTAINER...]',
  minArgs: 1,
  flags: [{ name: 'force', short: 'f', kind: 'bool', description: 'Force the removal of a running container (kills it)' }],
  async run(ctx, args, flags) {
    const store = await ctx.openStore();
    const force = boolFlag(flags, 'force');
    let failed = false;
    for (const name of args) {
      try {
        const c = await findContainer(store.layout, name);
        const live = (c.State.Status === 'running' || c.State.Status === 'creating') && c.State.OwnerPid !== undefined && isProcessAlive(c.State.OwnerPid);
        if (live && !force) {
          throw new StevedoreError('CONTAINER_CONFLICT', `You cannot remove a ${c.State.Status} container ${c.Id}. Stop the container before attempting removal or force remove`);
        }
        if (c.State.Status === 'running' || c.State.Status === 'creating') {
          const runtime = await findRuntime(c.HostConfig.Runtime, ctx.env).catch(() => undefined);
          if (runtime) await deleteContainer(runtime, runtimeStateDir(store.layout), c.Id);
        }
        await removeContainerFiles(store.layout, c.Id);
        writeLine(ctx.stdout, name);
      } catch (err) {
        failed = true;
        ctx.stderr.write(`Error: ${errorMessage(err)}\n`);
      }
    }
    return failed ? 1 : 0;
  },
};

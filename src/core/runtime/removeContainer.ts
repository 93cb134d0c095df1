// Removing a container (`rm`, the Containers view's Remove): its record and root filesystem; a
// running one only when forced, which kills it through the runtime first.

import { StevedoreError } from '../errors';
import type { StoreLayout } from '../store/layout';
import { removeContainerFiles, runtimeStateDir, type ContainerRecord } from './containerRecord';
import { containerState } from './containerState';
import { deleteContainer, findRuntime } from './ociRuntime';

export interface RemoveContainerOptions {
  force?: boolean;
  /** Where to look for the runtime (PATH). */
  env?: NodeJS.ProcessEnv;
}

/** Running or being made by a process that is still there. */
export function isContainerLive(c: ContainerRecord): boolean {
  return (c.State.Status === 'running' || c.State.Status === 'creating') && containerState(c) !== 'dead';
}

export async function removeContainer(layout: StoreLayout, c: ContainerRecord, options: RemoveContainerOptions = {}): Promise<void> {
  if (isContainerLive(c) && !options.force) {
    throw new StevedoreError('CONTAINER_CONFLICT', `You cannot remove a ${c.State.Status} container ${c.Id}. Stop the container before attempting removal or force remove`);
  }
  if (c.State.Status === 'running' || c.State.Status === 'creating') {
    const runtime = await findRuntime(c.HostConfig.Runtime, options.env).catch(() => undefined);
    if (runtime) await deleteContainer(runtime, runtimeStateDir(layout), c.Id);
  }
  await removeContainerFiles(layout, c.Id);
}

// Which snapshotter a container gets, and its root filesystem made available while something
// needs it, whichever snapshotter made it.

import { StevedoreError } from '../errors';
import { isProcessAlive } from '../store/processes';
import type { StoreLayout } from '../store/layout';
import { containerPaths, type ContainerRecord } from './containerRecord';
import { isMounted, overlaySupported } from './overlayMount';
import { withOverlay } from './overlayRootfs';
import { snapshotsDir } from './snapshots';

export type Snapshotter = 'vfs' | 'overlay';

/** `wanted` (STEVEDORE_SNAPSHOTTER) when given, else overlay where this process may mount it, else vfs. */
export async function chooseSnapshotter(layout: StoreLayout, wanted: string | undefined): Promise<Snapshotter> {
  if (wanted === 'vfs' || wanted === 'overlay') return wanted;
  return (await overlaySupported(snapshotsDir(layout))) ? 'overlay' : 'vfs';
}

export async function withRootfs<T>(layout: StoreLayout, record: ContainerRecord, fn: () => Promise<T>): Promise<T> {
  if (record.Driver !== 'overlay') return fn();
  const paths = containerPaths(layout, record.Id);
  // A container another live process is running has its overlay mounted there. Without root that
  // mount is in the other process's own mount namespace, invisible here, and mounting the same
  // upper and work folders a second time is undefined behaviour for overlayfs (the kernel says so,
  // and the mount clears work/ under a copy-up in progress): wait until it has stopped.
  const owner = record.State.OwnerPid;
  const busy = (record.State.Status === 'running' || record.State.Status === 'creating') && owner !== undefined && owner !== process.pid && isProcessAlive(owner);
  if (busy && !(await isMounted(paths.rootfs))) {
    throw new StevedoreError(
      'CONTAINER_CONFLICT',
      `Container ${record.Name} is ${record.State.Status} in another process (${owner}), whose files this process cannot see without root; try again once it has stopped ("stevedore ps -a" shows its state).`,
    );
  }
  return withOverlay(layout, paths, record.Lowers ?? [], fn);
}

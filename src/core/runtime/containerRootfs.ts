// Which snapshotter a container gets, and its root filesystem made available while something
// needs it, whichever snapshotter made it.

import type { StoreLayout } from '../store/layout';
import { containerPaths, type ContainerRecord } from './containerRecord';
import { overlaySupported } from './overlayMount';
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
  return withOverlay(layout, containerPaths(layout, record.Id), record.Lowers ?? [], fn);
}

// The one place where the core's progress events, which differ per operation (PullEvent, PushEvent,
// LoadProgress, bytes written by save and copy), become the LayerUpdate the Transfers view and the
// notification draw. When the core's events are unified, only this file changes.

import type { ArchiveLayerProgress } from '../../core/archive/archiveLayerProgress';
import type { LoadProgress } from '../../core/archive/loadArchive';
import type { PullEvent, PullLayerStatus, PushEvent, PushLayerStatus } from '../../core/registry/transferEvents';
import type { LayerPhase, LayerUpdate } from '../transferProgress';

const PULL: Readonly<Record<PullLayerStatus, { phase: LayerPhase; status: string }>> = {
  queued: { phase: 'waiting', status: 'Waiting' },
  exists: { phase: 'skipped', status: 'Already exists' },
  downloading: { phase: 'transferring', status: 'Downloading' },
  resuming: { phase: 'transferring', status: 'Resuming' },
  verifying: { phase: 'verifying', status: 'Verifying' },
  done: { phase: 'done', status: 'Pull complete' },
};

const PUSH: Readonly<Record<PushLayerStatus, { phase: LayerPhase; status: string }>> = {
  preparing: { phase: 'waiting', status: 'Preparing' },
  waiting: { phase: 'waiting', status: 'Waiting' },
  pushing: { phase: 'transferring', status: 'Pushing' },
  pushed: { phase: 'done', status: 'Pushed' },
  exists: { phase: 'skipped', status: 'Already there' },
  mounted: { phase: 'skipped', status: 'Mounted' },
};

export function pullLayerUpdate(event: PullEvent): LayerUpdate | undefined {
  if (event.kind !== 'layer') return undefined;
  return { key: event.digest, ...PULL[event.status], current: event.current, total: event.total };
}

export function pushLayerUpdate(event: PushEvent): LayerUpdate | undefined {
  if (event.kind !== 'layer') return undefined;
  const { phase, status } = PUSH[event.status];
  return { key: event.digest, phase, status: event.status === 'mounted' && event.from ? `${status} from ${event.from}` : status, current: event.current, total: event.total };
}

export function loadLayerUpdate(progress: LoadProgress): LayerUpdate {
  return { key: progress.id, phase: progress.done ? 'done' : progress.current > 0 ? 'transferring' : 'waiting', status: progress.done ? 'Loaded' : 'Loading', current: progress.current, total: progress.total };
}

/** A layer of a copy's archive stream (core/archive/archiveLayerProgress.ts). */
export function copyLayerUpdate(progress: ArchiveLayerProgress): LayerUpdate {
  return { key: progress.id, phase: progress.done ? 'done' : progress.current > 0 ? 'transferring' : 'waiting', status: progress.done ? 'Copied' : 'Copying', current: progress.current, total: progress.total };
}

/**
 * Save and copy report only the archive's bytes as a whole: one row, named by what it is
 * ("archive"). `total` 0 when unknown (a copy from an engine does not say its size).
 */
export function archiveBytesUpdate(key: string, status: string, current: number, total: number, done: boolean): LayerUpdate {
  return { key, phase: done ? 'done' : current > 0 ? 'transferring' : 'waiting', status: done ? 'Done' : status, current, total };
}

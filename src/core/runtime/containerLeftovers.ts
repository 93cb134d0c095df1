// What a killed `run`, `start` or `commit` leaves of containers: a container folder with no record
// or one still being made (removed on repair), a container recorded as running whose owner is
// gone (its process is killed through the runtime and it is recorded as exited with 137, Docker's
// status for a killed container, or removed when it was a --rm one), runtime state of containers
// that are gone, and mounts below the containers folder (unmounted).

import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { StoreLayout } from '../store/layout';
import { isProcessAlive } from '../store/processes';
import { shortId } from '../shortId';
import { containersDir, readContainer, removeContainerFiles, runtimeStateDir, writeContainer } from './containerRecord';
import { deleteContainer, findRuntime, listRuntimeContainers } from './ociRuntime';
import { mountsBelow, PROBE_PREFIX, unmount } from './overlayMount';
import { SNAPSHOT_TEMP_PREFIX, snapshotsDir } from './snapshots';

export interface ContainerLeftover {
  subject: string;
  message: string;
  repair: () => Promise<string>;
}

export async function findContainerLeftovers(layout: StoreLayout): Promise<ContainerLeftover[]> {
  const out: ContainerLeftover[] = [];
  const dir = containersDir(layout);
  const stateDir = runtimeStateDir(layout);
  const runtime = await findRuntime(undefined).catch(() => undefined);
  const live = new Set<string>();
  const owned = new Set<string>();
  for (const id of await readdir(dir).catch(() => [] as string[])) {
    const path = join(dir, id);
    const record = await readContainer(layout, id);
    const owner = record?.State.OwnerPid;
    if (record && (owner === undefined || isProcessAlive(owner))) {
      live.add(id);
      if (owner !== undefined) owned.add(id);
      continue;
    }
    if (!record || record.State.Status === 'creating') {
      out.push({ subject: path, message: `container ${shortId(id)} was left half-made by a process that stopped`, repair: async () => (await cleanRuntime(id), await removeContainerFiles(layout, id), `removed ${path}`) });
      continue;
    }
    live.add(id);
    const name = record.Name;
    if (record.HostConfig.AutoRemove) {
      out.push({ subject: path, message: `container ${name} (--rm) was left by a run that stopped`, repair: async () => (await cleanRuntime(id), await removeContainerFiles(layout, id), `removed ${path}`) });
      continue;
    }
    out.push({
      subject: path,
      message: `container ${name} is recorded as ${record.State.Status}, but the process running it stopped`,
      repair: async () => {
        await cleanRuntime(id);
        const { OwnerPid: _gone, ...state } = record.State;
        await writeContainer(layout, { ...record, State: { ...state, Status: 'exited', ExitCode: 137, FinishedAt: new Date().toISOString() } });
        return `recorded container ${name} as exited (137)`;
      },
    });
  }
  // A container's root filesystem is mounted only while a live process works on it.
  for (const mount of await mountsBelow(dir)) {
    const id = mount.slice(dir.length + 1).split('/')[0]!;
    if (owned.has(id)) continue;
    out.push({ subject: mount, message: `mount ${mount} left by a process that stopped`, repair: async () => (await unmount(mount), `unmounted ${mount}`) });
  }
  const snapshots = snapshotsDir(layout);
  for (const name of await readdir(snapshots).catch(() => [] as string[])) {
    const temp = new RegExp(`^(?:${SNAPSHOT_TEMP_PREFIX}|${PROBE_PREFIX})(\\d+)-`).exec(name);
    if (!temp || isProcessAlive(Number(temp[1]))) continue;
    const path = join(snapshots, name);
    out.push({
      subject: path,
      message: `layer snapshot ${name} left half-made by a process that stopped`,
      repair: async () => {
        for (const mount of await mountsBelow(path)) await unmount(mount);
        await rm(path, { recursive: true, force: true });
        return `removed ${path}`;
      },
    });
  }
  if (runtime) {
    for (const id of await listRuntimeContainers(runtime, stateDir)) {
      if (live.has(id) && !out.some((o) => o.subject === join(dir, id))) continue;
      if (out.some((o) => o.subject === join(dir, id))) continue;
      out.push({ subject: join(stateDir, id), message: `runtime state of container ${shortId(id)}, which is gone`, repair: async () => (await deleteContainer(runtime, stateDir, id), `deleted the runtime's state of ${shortId(id)}`) });
    }
  }
  return out;

  async function cleanRuntime(id: string): Promise<void> {
    if (runtime) await deleteContainer(runtime, stateDir, id);
  }
}

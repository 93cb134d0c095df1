// `diff` and `commit` of a container: its changes against the tree its root filesystem started
// from, and those changes stored as a layer on its image with the container's config, as `docker
// commit` makes the new image (history: the container's command, the author and the message).

import { CancelledError, StevedoreError } from '../errors';
import { appendLayer } from '../archive/appendLayer';
import type { ImageRecord, ImageStore } from '../store/imageStore';
import { computeChanges, type Change } from './changeSet';
import { changeTar } from './changeTar';
import { containerCommand, containerPaths, type ContainerRecord } from './containerRecord';
import { withRootfs } from './containerRootfs';
import { overlayChanges } from './overlayChanges';
import { loadTree } from './treeState';

export async function containerChanges(store: ImageStore, container: ContainerRecord, signal?: AbortSignal): Promise<Change[]> {
  return withRootfs(store.layout, container, () => changesMounted(store, container, signal));
}

/** The changes, with the root filesystem already mounted. */
async function changesMounted(store: ImageStore, container: ContainerRecord, signal?: AbortSignal): Promise<Change[]> {
  const paths = containerPaths(store.layout, container.Id);
  const base = await loadTree(paths.baseTree).catch((err: unknown) => {
    throw new StevedoreError('STORE_CORRUPT', `Container ${container.Name} has no record of its starting files, so its changes are unknown. Remove it ("stevedore rm ${container.Name}").`, { cause: err });
  });
  if (container.Driver === 'overlay') return overlayChanges(paths.upper, paths.rootfs, base, signal);
  return computeChanges(paths.rootfs, base, signal);
}

export interface CommitRequest {
  reference?: string;
  message?: string;
  author?: string;
  changes?: readonly string[];
  signal?: AbortSignal;
}

export async function commitContainer(store: ImageStore, container: ContainerRecord, request: CommitRequest): Promise<ImageRecord> {
  if (container.State.Status === 'running' || container.State.Status === 'creating') {
    throw new StevedoreError('CONTAINER_CONFLICT', `Container ${container.Name} is ${container.State.Status}; commit it once it has stopped.`);
  }
  return withRootfs(store.layout, container, () => commitMounted(store, container, request));
}

async function commitMounted(store: ImageStore, container: ContainerRecord, request: CommitRequest): Promise<ImageRecord> {
  const changes = await changesMounted(store, container, request.signal);
  if (request.signal?.aborted) throw new CancelledError();
  const { Hostname: _h, Tty: _t, OpenStdin: _o, ...config } = container.Config;
  const paths = containerPaths(store.layout, container.Id);
  return appendLayer(store, {
    base: container.ImageID,
    source: changes.length ? { kind: 'tarball', name: `container ${container.Name}`, bytes: changeTar(paths.rootfs, changes, request.signal ? { signal: request.signal } : {}) } : { kind: 'none' },
    config,
    createdBy: containerCommand(container.Config).join(' '),
    ...(request.reference ? { reference: request.reference } : {}),
    ...(request.message ? { message: request.message } : {}),
    ...(request.author ? { author: request.author } : {}),
    changes: request.changes ?? [],
    ...(request.signal ? { signal: request.signal } : {}),
  });
}

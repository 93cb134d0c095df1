// `run`: create a container, start it, and — with AutoRemove, or when cancelled — remove it again,
// so a cancelled run leaves the store as it was.

import { isCancelled } from '../errors';
import type { ImageStore } from '../store/imageStore';
import { removeContainerFiles, type ContainerRecord } from './containerRecord';
import { createContainer, type CreateRequest } from './createContainer';
import { startContainer } from './startContainer';
import type { ContainerIo } from './ociRuntime';

export interface RunResult {
  container: ContainerRecord;
  exitCode: number;
}

export async function runContainer(store: ImageStore, request: CreateRequest & { io: ContainerIo; hostEnv?: NodeJS.ProcessEnv; onCreated?: (c: ContainerRecord) => void }): Promise<RunResult> {
  const container = await createContainer(store, request);
  request.onCreated?.(container);
  let exitCode: number;
  try {
    exitCode = await startContainer(store, container, { io: request.io, ...(request.signal ? { signal: request.signal } : {}), ...(request.hostEnv ? { env: request.hostEnv } : {}) });
  } catch (err) {
    if (isCancelled(err) || request.autoRemove) await removeContainerFiles(store.layout, container.Id);
    throw err;
  }
  if (request.autoRemove) await removeContainerFiles(store.layout, container.Id);
  return { container, exitCode };
}

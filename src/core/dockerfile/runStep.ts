// A build's RUN step: a container on the layers built so far (leased by the build, not an image in
// the store), the command run in it with the build's environment, user and working folder, and
// its changes stored as the step's layer — none, when it changed no file, as Docker records an
// empty layer. The container is removed whatever happens; a command that fails stops the build
// with Docker's message.

import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { storeTarAsLayer } from '../archive/layerFromTar';
import { StevedoreError } from '../errors';
import { MediaType } from '../image/mediaTypes';
import type { LoadedImage } from '../image/summary';
import type { ContainerConfig, Descriptor, ImageConfig } from '../image/types';
import type { ImageStore } from '../store/imageStore';
import { storeImage } from '../store/storeImage';
import type { Lease } from '../store/leases';
import { changeTar } from '../runtime/changeTar';
import { containerChanges } from '../runtime/containerChanges';
import { containerPaths, removeContainerFiles } from '../runtime/containerRecord';
import { withRootfs } from '../runtime/containerRootfs';
import { createContainer } from '../runtime/createContainer';
import { startContainer } from '../runtime/startContainer';

export interface RunStepRequest {
  layers: readonly Descriptor[];
  diffIds: readonly string[];
  base: ImageConfig;
  /** The config the step runs with: Env (build args added), User, WorkingDir. */
  config: ContainerConfig;
  /** The whole command line: SHELL + the command for the shell form, the JSON words for the exec form. */
  argv: string[];
  /** What the message of a failure shows (Docker: "/bin/sh -c false"). */
  shown: string;
  line: number;
  output?: Writable;
  runtime?: string;
  snapshotter?: string;
  hostEnv?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  onContainer?: (id: string) => void;
  /** Bytes of the step's layer written so far, as its changes are stored. */
  onLayerBytes?: (bytes: number) => void;
}

export interface StepResult {
  /** Absent when the command changed no file. */
  layer?: { descriptor: Descriptor; diffId: string };
  /** Folders the step made or changed, and paths it deleted: what later COPY and WORKDIR steps must know. */
  dirs: string[];
  deleted: string[];
}

export async function runStep(store: ImageStore, lease: Lease, request: RunStepRequest): Promise<StepResult> {
  const loaded: LoadedImage = {
    manifestDescriptor: { mediaType: MediaType.ociManifest, digest: `sha256:${'0'.repeat(64)}`, size: 0 },
    manifest: { schemaVersion: 2, mediaType: MediaType.ociManifest, config: { mediaType: MediaType.ociConfig, digest: `sha256:${'0'.repeat(64)}`, size: 0 }, layers: [...request.layers] },
    config: { ...request.base, config: { ...request.config, Entrypoint: null, Cmd: request.argv }, rootfs: { type: 'layers', diff_ids: [...request.diffIds] } },
  };
  const container = await createContainer(store, {
    image: { loaded: storeImage(store.blobs, loaded), id: '' },
    imageName: '(build step)',
    autoRemove: true,
    ...(request.runtime ? { runtime: request.runtime } : {}),
    ...(request.snapshotter ? { snapshotter: request.snapshotter } : {}),
    ...(request.hostEnv ? { hostEnv: request.hostEnv } : {}),
    ...(request.signal ? { signal: request.signal } : {}),
  });
  request.onContainer?.(container.Id);
  try {
    const io = request.output ? { stdout: request.output, stderr: request.output } : {};
    const status = await startContainer(store, container, { io, ...(request.signal ? { signal: request.signal } : {}), ...(request.hostEnv ? { env: request.hostEnv } : {}) });
    if (status !== 0) {
      throw new StevedoreError('BUILD_STEP_FAILED', `The command '${request.shown}' returned a non-zero code: ${status} (Dockerfile line ${request.line}). Nothing was stored.`, { detail: { exitCode: status } });
    }
    return await withRootfs(store.layout, container, async () => {
      const changes = await containerChanges(store, container, request.signal);
      if (changes.length === 0) return { dirs: [], deleted: [] };
      const paths = containerPaths(store.layout, container.Id);
      const dirs: string[] = [];
      for (const change of changes) {
        if (change.kind !== 'D' && (await lstat(join(paths.rootfs, change.path))).isDirectory()) dirs.push(change.path);
      }
      const layer = await storeTarAsLayer(store.blobs, lease, changeTar(paths.rootfs, changes, request.signal ? { signal: request.signal } : {}), {
        what: `Dockerfile line ${request.line}`,
        compress: false,
        ...(request.signal ? { signal: request.signal } : {}),
        ...(request.onLayerBytes ? { onProgress: request.onLayerBytes } : {}),
      });
      return { layer: { descriptor: layer.descriptor, diffId: layer.diffId }, dirs, deleted: changes.filter((c) => c.kind === 'D').map((c) => c.path) };
    });
  } finally {
    await removeContainerFiles(store.layout, container.Id);
  }
}

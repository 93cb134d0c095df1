// The files of an earlier stage or of another image, for `COPY --from`: a build-step container's
// root filesystem on its layers (overlay on the shared layer snapshots where possible, else a
// copy), read while `fn` runs and removed after it, whatever happens. Nothing runs in it.

import { MediaType } from '../image/mediaTypes';
import type { LoadedImage } from '../image/summary';
import type { Descriptor, ImageConfig } from '../image/types';
import type { ImageStore } from '../store/imageStore';
import { storeImage } from '../store/storeImage';
import { containerPaths, removeContainerFiles } from '../runtime/containerRecord';
import { withRootfs } from '../runtime/containerRootfs';
import { createContainer } from '../runtime/createContainer';
import { unmount } from '../runtime/overlayMount';

export interface StageFiles {
  image: ImageConfig;
  layers: readonly Descriptor[];
}

export async function withStageRoot<T>(store: ImageStore, source: StageFiles, options: { snapshotter?: string; signal?: AbortSignal }, fn: (root: string) => Promise<T>): Promise<T> {
  const none = `sha256:${'0'.repeat(64)}`;
  const loaded: LoadedImage = {
    manifestDescriptor: { mediaType: MediaType.ociManifest, digest: none, size: 0 },
    manifest: { schemaVersion: 2, mediaType: MediaType.ociManifest, config: { mediaType: MediaType.ociConfig, digest: none, size: 0 }, layers: [...source.layers] },
    // A command only so that the container is valid; it is never started.
    config: { ...source.image, config: { ...source.image.config, Entrypoint: null, Cmd: ['true'] } },
  };
  const container = await createContainer(store, {
    image: { loaded: storeImage(store.blobs, loaded), id: '' },
    imageName: '(COPY --from)',
    autoRemove: true,
    ...(options.snapshotter ? { snapshotter: options.snapshotter } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const paths = containerPaths(store.layout, container.Id);
  try {
    return await withRootfs(store.layout, container, () => fn(paths.rootfs));
  } finally {
    await unmount(paths.rootfs).catch(() => undefined);
    await removeContainerFiles(store.layout, container.Id);
  }
}

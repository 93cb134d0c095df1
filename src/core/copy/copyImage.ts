// `copy SOURCE DESTINATION` between the store, container engines, archive files, OCI layout folders
// and registries, named as skopeo names them (imageLocation.ts). Each location becomes an image
// source or target (core/sources/) and the one `copy` moves the image: as an archive stream where
// both sides speak it (store ⇄ engine, archive file → store or engine), image by image otherwise
// (registry ⇄ anything, oci: folders, an archive to a registry).

import type { EngineClient } from '../engine/engineClient';
import type { EngineKind } from '../engine/engineEndpoint';
import { StevedoreError } from '../errors';
import type { Platform } from '../image/types';
import type { RegistryClients } from '../registry/registryClients';
import type { PullVerifyStage } from '../registry/pullVerify';
import { ArchiveSource } from '../sources/archiveSource';
import { copy, type CopyResult } from '../sources/copy';
import { copyImages } from '../sources/copyImages';
import { EngineSource } from '../sources/engineSource';
import type { ImageSource, ImageTarget } from '../sources/imageSource';
import { RegistrySource } from '../sources/registrySource';
import { requireReference } from '../sources/sourceNames';
import { StoreSource } from '../sources/storeSource';
import type { ImageStore } from '../store/imageStore';
import type { TransferListener } from '../transfer/transferEvent';
import { describeLocation, type ImageLocation } from './imageLocation';

export type { CopyResult } from '../sources/copy';

export interface CopyOptions {
  openStore: () => Promise<ImageStore>;
  /** The client of an engine; `endpoint` is the location's, when it names one. */
  engine: (kind: EngineKind, endpoint?: string) => Promise<EngineClient>;
  /** Registry clients with the caller's settings (TLS, credentials, insecure registries); needed for docker:// only. */
  registries?: () => RegistryClients;
  /** The pull's verify stage for images read from a registry (the trust policy). */
  verify?: PullVerifyStage;
  platform?: Platform;
  signal?: AbortSignal;
  /** Progress as TransferEvents: start, each layer as it moves (or `exists` when the target has it), the bytes so far, end. */
  onEvent?: TransferListener;
}

export async function copyImage(source: ImageLocation, destination: ImageLocation, options: CopyOptions): Promise<CopyResult> {
  const from = await endpointOf(source, options);
  const to = await endpointOf(destination, options);
  const refs = targetNames(destination, to.side.describe());
  return copy(from.side, from.ref, to.side as ImageTarget, refs, {
    reference: describeLocation(source),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.platform ? { platform: options.platform } : {}),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  });
}

/**
 * Several images into one archive (`copy SRC… docker-archive:PATH`): one file holding them all, each
 * under the names it comes with. The sources must be of one place (the store, one engine, one
 * registry): each image is read from there, and the archive is written once all are open.
 */
export async function copyImagesTo(sources: readonly ImageLocation[], destination: ImageLocation, options: CopyOptions): Promise<CopyResult[]> {
  const first = sources[0];
  if (!first) throw new StevedoreError('INVALID_ARGUMENT', 'Name at least one image to copy.');
  if (destination.kind !== 'archive' || destination.name) {
    throw new StevedoreError('INVALID_ARGUMENT', `Several images go into one archive only (docker-archive:PATH, oci-archive:PATH or oci:DIR, with no NAME: each keeps its own); "${describeLocation(destination)}" is not one. Copy them one by one.`);
  }
  const place = (l: ImageLocation): string => (l.kind === 'engine' ? `engine ${l.engine} ${l.endpoint ?? ''}` : l.kind === 'archive' ? `archive ${l.format} ${l.path}` : l.kind);
  const other = sources.find((s) => place(s) !== place(first));
  if (other) throw new StevedoreError('INVALID_ARGUMENT', `The images to copy together must come from one place; ${describeLocation(other)} is not where ${describeLocation(first)} is. Copy them in separate runs.`);
  const from = await endpointOf(first, options);
  const to = await endpointOf(destination, options);
  return copyImages(from.side, sources.map((s) => ({ ref: s.name, refs: [] })), to.side as ImageTarget, {
    reference: describeLocation(destination),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.platform ? { platform: options.platform } : {}),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  });
}

async function endpointOf(location: ImageLocation, options: CopyOptions): Promise<{ side: ImageSource & ImageTarget; ref: string | undefined }> {
  switch (location.kind) {
    case 'store':
      return { side: new StoreSource(await options.openStore()), ref: location.name };
    case 'engine':
      return { side: new EngineSource(await options.engine(location.engine, location.endpoint), location.endpoint ?? location.engine, options.openStore), ref: location.name };
    case 'archive': {
      const { root } = await options.openStore();
      return { side: new ArchiveSource(location.format, location.path, root), ref: location.name };
    }
    case 'registry': {
      if (!options.registries) throw new StevedoreError('UNSUPPORTED', 'This caller cannot reach registries; use pull and push.');
      const registry = new RegistrySource(options.registries(), { ...(options.verify ? { verify: options.verify } : {}), ...(location.name ? { reference: location.name } : {}) });
      return { side: registry, ref: location.name };
    }
  }
}

/** The names the image gets at the destination: the one written there, if any (an oci: folder keeps it as written). */
function targetNames(destination: ImageLocation, where: string): string[] {
  const name = destination.name;
  if (!name) return [];
  if (destination.kind === 'archive' && destination.format === 'oci') return [name];
  return [requireReference(name, where)];
}

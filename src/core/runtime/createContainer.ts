// Making a container: its record (under the store lock, so that an `rmi` in another process either
// sees the container or has already removed the image), then its root filesystem. A failure or a
// cancel on the way removes everything made, so the store is as it was.

import { mkdir } from 'node:fs/promises';
import { hostname as hostHostname } from 'node:os';
import { isAbsolute } from 'node:path';
import { StevedoreError, errorMessage } from '../errors';
import type { Image } from '../image/image';
import type { ContainerConfig } from '../image/types';
import { shortId } from '../shortId';
import type { ImageRecord, ImageStore } from '../store/imageStore';
import { containerPaths, listContainers, newContainerId, randomName, removeContainerFiles, writeContainer, type ContainerRecord } from './containerRecord';
import { chooseSnapshotter } from './containerRootfs';
import { unmount } from './overlayMount';
import { prepareOverlayRootfs } from './overlayRootfs';
import { lowerDirs, stackFits } from './snapshots';
import { requireContainerPrivileges } from './userNamespace';
import { prepareVfsRootfs } from './vfsRootfs';

export interface CreateRequest {
  /**
   * An image in the store, or any Image (a build step's layers and config, which the caller holds
   * leased): the root filesystem is unpacked from its layers' readers, whatever their source.
   */
  image: ImageRecord | { loaded: Image; id: string };
  /** What the user called the image ("busybox"). */
  imageName: string;
  name?: string;
  /** Replaces the image's Cmd when given. */
  command?: string[];
  /** Replaces the image's Entrypoint (and drops its Cmd unless a command is given); "" clears it. */
  entrypoint?: string;
  /** KEY=VALUE entries added to (or replacing those of) the image's Env. */
  env?: string[];
  workdir?: string;
  user?: string;
  /** HOST:CONTAINER[:ro|rw] */
  binds?: string[];
  network?: 'host' | 'none';
  runtime?: string;
  autoRemove?: boolean;
  tty?: boolean;
  interactive?: boolean;
  /** vfs or overlay; by default overlay where this process may mount it. */
  snapshotter?: string;
  /** Where newuidmap, runc and the like are looked for (PATH). */
  hostEnv?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  onLayer?: (index: number, count: number) => void;
}

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export async function createContainer(store: ImageStore, request: CreateRequest): Promise<ContainerRecord> {
  if (request.name !== undefined && !NAME.test(request.name)) {
    throw new StevedoreError('INVALID_ARGUMENT', `Invalid container name (${request.name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed.`);
  }
  if (request.workdir !== undefined && request.workdir !== '' && !isAbsolute(request.workdir)) {
    throw new StevedoreError('INVALID_ARGUMENT', `the working directory '${request.workdir}' is invalid, it needs to be an absolute path`);
  }
  for (const bind of request.binds ?? []) parseBind(bind);
  // Before the record: without root or a user namespace the root filesystem cannot be made.
  await requireContainerPrivileges(request.hostEnv);
  const source = request.image;
  const image = 'loaded' in source ? source.loaded : await store.load(source);
  const manifest = 'loaded' in source ? source.loaded.manifestDescriptor : { mediaType: source.manifestMediaType, digest: source.manifestDigest, size: source.manifestSize };
  const config = containerConfig(image.config.config ?? {}, request);
  if ((config.Entrypoint ?? []).length + (config.Cmd ?? []).length === 0) {
    throw new StevedoreError('INVALID_ARGUMENT', 'No command specified. Give one after the image name, or use an image with a CMD or ENTRYPOINT.');
  }
  const id = newContainerId();
  const network = request.network ?? 'host';
  const paths = containerPaths(store.layout, id);
  const lowers = lowerDirs(image);
  let driver = await chooseSnapshotter(store.layout, request.snapshotter);
  // overlay needs at least one lower folder; an image with no layers gets an empty copy.
  if (driver === 'overlay' && (lowers.length === 0 || !stackFits(lowers, paths.dir))) driver = 'vfs';
  const record: ContainerRecord = {
    Id: id,
    Name: '',
    Image: request.imageName,
    ImageID: source.id,
    ImageManifest: manifest,
    Created: new Date().toISOString(),
    Config: { ...config, Hostname: network === 'host' ? hostHostname() : shortId(id), Tty: request.tty ?? false, OpenStdin: request.interactive ?? false },
    State: { Status: 'creating', ExitCode: 0, OwnerPid: process.pid },
    HostConfig: { AutoRemove: request.autoRemove ?? false, NetworkMode: network, Binds: request.binds ?? [], ...(request.runtime ? { Runtime: request.runtime } : {}) },
    Driver: driver,
    ...(driver === 'overlay' ? { Lowers: lowers } : {}),
  };
  await store.update(async (tx) => {
    if (!('loaded' in source) && !tx.index.manifests.some((m) => m.digest === source.manifestDigest)) throw new StevedoreError('IMAGE_NOT_FOUND', `No such image: ${request.imageName}`);
    const others = await listContainers(store.layout);
    if (request.name !== undefined && others.some((c) => c.Name === request.name)) {
      const owner = others.find((c) => c.Name === request.name)!;
      throw new StevedoreError('CONTAINER_CONFLICT', `Conflict. The container name "/${request.name}" is already in use by container "${owner.Id}". You have to remove (or rename) that container to be able to reuse that name.`);
    }
    record.Name = request.name ?? randomName(new Set(others.map((c) => c.Name)));
    await mkdir(paths.dir, { recursive: true, mode: 0o700 });
    await writeContainer(store.layout, record);
  }, request.signal ? { signal: request.signal } : {});
  try {
    const progress = { ...(request.signal ? { signal: request.signal } : {}), ...(request.onLayer ? { onLayer: request.onLayer } : {}) };
    if (driver === 'overlay') await prepareOverlayRootfs(store.layout, image, paths, progress);
    else await prepareVfsRootfs(image, paths.rootfs, paths.baseTree, progress);
    const created: ContainerRecord = { ...record, State: { Status: 'created', ExitCode: 0 } };
    await writeContainer(store.layout, created);
    return created;
  } catch (err) {
    await unmount(paths.rootfs).catch(() => undefined);
    await removeContainerFiles(store.layout, id).catch((cleanup: unknown) => {
      throw new StevedoreError('IO_ERROR', `${errorMessage(err)}; the half-made container ${id} could not be removed either (${errorMessage(cleanup)}). Run "stevedore system check --repair".`, { cause: err });
    });
    throw err;
  }
}

/** The image's config with the run's overrides, as Docker merges them. */
function containerConfig(image: ContainerConfig, request: CreateRequest): ContainerConfig {
  const config: ContainerConfig = { ...image };
  if (request.entrypoint !== undefined) {
    config.Entrypoint = request.entrypoint === '' ? null : [request.entrypoint];
    config.Cmd = request.command && request.command.length ? request.command : null;
  } else if (request.command && request.command.length) {
    config.Cmd = request.command;
  }
  if (request.env?.length) {
    const env = [...(image.Env ?? [])];
    for (const entry of request.env) {
      const key = entry.split('=', 1)[0]!;
      const at = env.findIndex((e) => e.split('=', 1)[0] === key);
      if (at >= 0) env[at] = entry;
      else env.push(entry);
    }
    config.Env = env;
  }
  if (request.workdir) config.WorkingDir = request.workdir;
  if (request.user !== undefined) config.User = request.user;
  return config;
}

export interface ParsedBind {
  source: string;
  destination: string;
  readonly: boolean;
}

export function parseBind(spec: string): ParsedBind {
  const parts = spec.split(':');
  const [source, destination, mode] = parts as [string, string | undefined, string | undefined];
  if (parts.length < 2 || parts.length > 3 || !destination) throw new StevedoreError('INVALID_ARGUMENT', `invalid volume specification: '${spec}'. Give HOST-PATH:CONTAINER-PATH[:ro].`);
  if (!isAbsolute(source)) throw new StevedoreError('INVALID_ARGUMENT', `invalid volume specification: '${spec}': named volumes are not supported; give an absolute host path.`);
  if (!isAbsolute(destination)) throw new StevedoreError('INVALID_ARGUMENT', `invalid volume specification: '${spec}': mount path must be absolute`);
  if (mode !== undefined && mode !== 'ro' && mode !== 'rw') throw new StevedoreError('INVALID_ARGUMENT', `invalid mode: ${mode}. Use ro or rw.`);
  return { source, destination, readonly: mode === 'ro' };
}

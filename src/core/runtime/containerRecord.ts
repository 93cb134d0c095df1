// Containers are state in the store: each one is a folder `stevedore/containers/<id>/` holding its
// record (container.json, replaced atomically), its root filesystem, the tree that root filesystem
// started from, and the OCI bundle files. The record names the process that owns a step in
// progress, so that `system check` can tell a container being made or run from one a killed
// process left behind.

import { randomBytes } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { StevedoreError } from '../errors';
import type { ContainerConfig, Descriptor } from '../image/types';
import { writeFileAtomic } from '../store/atomicFile';
import { mountsBelow, unmount } from './overlayMount';
import type { StoreLayout } from '../store/layout';

export type ContainerStatus = 'creating' | 'created' | 'running' | 'exited';

export interface ContainerRecord {
  Id: string;
  Name: string;
  /** What the user asked for ("busybox"), shown by `ps`. */
  Image: string;
  /** The config digest: Docker's image ID. */
  ImageID: string;
  ImageManifest: Descriptor;
  Created: string;
  /** The container's own config: the image's with the run's overrides, as `docker commit` takes it. */
  Config: ContainerConfig & { Hostname: string; Tty: boolean; OpenStdin: boolean };
  State: {
    Status: ContainerStatus;
    ExitCode: number;
    StartedAt?: string;
    FinishedAt?: string;
    /** The Stevedore process doing the current step; absent when nothing is. */
    OwnerPid?: number;
  };
  HostConfig: {
    AutoRemove: boolean;
    NetworkMode: 'host' | 'none';
    /** HOST:CONTAINER[:ro], as given. */
    Binds: string[];
    Runtime?: string;
  };
  /** How the root filesystem was prepared: a full copy, or overlayfs on shared layer snapshots. */
  Driver: 'vfs' | 'overlay';
  /** overlay: the snapshot folders (relative to the snapshots folder), top-most first. */
  Lowers?: string[];
}

export interface ContainerPaths {
  dir: string;
  record: string;
  rootfs: string;
  /** overlay only */
  upper: string;
  work: string;
  baseTree: string;
  bundleConfig: string;
  hosts: string;
  hostname: string;
  resolvConf: string;
}

export function containersDir(layout: StoreLayout): string {
  return join(layout.privateDir, 'containers');
}

/** Where the OCI runtime keeps its state for this store's containers. */
export function runtimeStateDir(layout: StoreLayout): string {
  return join(layout.privateDir, 'runtime-state');
}

export function containerPaths(layout: StoreLayout, id: string): ContainerPaths {
  const dir = join(containersDir(layout), id);
  return {
    dir,
    record: join(dir, 'container.json'),
    rootfs: join(dir, 'rootfs'),
    upper: join(dir, 'upper'),
    work: join(dir, 'work'),
    baseTree: join(dir, 'base-tree.json'),
    bundleConfig: join(dir, 'config.json'),
    hosts: join(dir, 'hosts'),
    hostname: join(dir, 'hostname'),
    resolvConf: join(dir, 'resolv.conf'),
  };
}

export function newContainerId(): string {
  return randomBytes(32).toString('hex');
}

export async function writeContainer(layout: StoreLayout, record: ContainerRecord): Promise<void> {
  await writeFileAtomic(containerPaths(layout, record.Id).record, `${JSON.stringify(record, null, 2)}\n`);
}

export async function readContainer(layout: StoreLayout, id: string): Promise<ContainerRecord | undefined> {
  const text = await readFile(containerPaths(layout, id).record, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as ContainerRecord;
  } catch {
    return undefined;
  }
}

/** Every container with a readable record, newest first (as `ps` lists them). */
export async function listContainers(layout: StoreLayout): Promise<ContainerRecord[]> {
  const ids = await readdir(containersDir(layout)).catch(() => [] as string[]);
  const records: ContainerRecord[] = [];
  for (const id of ids) {
    if (!/^[a-f0-9]{64}$/.test(id)) continue;
    const record = await readContainer(layout, id);
    if (record) records.push(record);
  }
  return records.sort((a, b) => (a.Created < b.Created ? 1 : a.Created > b.Created ? -1 : 0));
}

/** Docker's lookup: a full ID, a name, then a unique ID prefix. */
export async function findContainer(layout: StoreLayout, nameOrId: string): Promise<ContainerRecord> {
  const all = await listContainers(layout);
  const name = nameOrId.replace(/^\//, '');
  const exact = all.find((c) => c.Id === nameOrId) ?? all.find((c) => c.Name === name);
  if (exact) return exact;
  const byPrefix = /^[a-f0-9]+$/.test(nameOrId) ? all.filter((c) => c.Id.startsWith(nameOrId)) : [];
  if (byPrefix.length === 1) return byPrefix[0]!;
  if (byPrefix.length > 1) throw new StevedoreError('INVALID_ARGUMENT', `Multiple IDs found with provided prefix: ${nameOrId}. Use more characters of the ID, or the name.`);
  throw new StevedoreError('CONTAINER_NOT_FOUND', `No such container: ${nameOrId}`);
}

export async function removeContainerFiles(layout: StoreLayout, id: string): Promise<void> {
  // A mounted root filesystem is unmounted first: rm would otherwise empty the image's own layers.
  for (const mount of await mountsBelow(containerPaths(layout, id).dir)) await unmount(mount);
  await rm(containerPaths(layout, id).dir, { recursive: true, force: true, maxRetries: 3 });
}

/** The command a container runs: its entrypoint followed by its command. */
export function containerCommand(config: ContainerConfig): string[] {
  return [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])];
}

const ADJECTIVES = ['admiring', 'bold', 'brave', 'clever', 'dazzling', 'eager', 'focused', 'gallant', 'happy', 'jolly', 'keen', 'loving', 'modest', 'nifty', 'quirky', 'serene', 'stoic', 'tender', 'vibrant', 'zealous'];
const SURNAMES = ['archimedes', 'babbage', 'curie', 'darwin', 'euclid', 'faraday', 'galileo', 'hopper', 'kepler', 'lovelace', 'meitner', 'newton', 'noether', 'pascal', 'ritchie', 'shannon', 'tesla', 'turing', 'wozniak', 'yalow'];

/** A Docker-style name (adjective_scientist) not used by another container. */
export function randomName(taken: ReadonlySet<string>): string {
  for (let attempt = 0; ; attempt++) {
    const pick = (list: string[]): string => list[randomBytes(1)[0]! % list.length]!;
    const name = `${pick(ADJECTIVES)}_${pick(SURNAMES)}${attempt > 10 ? String(attempt) : ''}`;
    if (!taken.has(name)) return name;
  }
}

/** The images containers use, keyed by image ID (config digest) and by manifest digest. */
export async function imagesInUse(layout: StoreLayout): Promise<Map<string, ContainerRecord>> {
  const used = new Map<string, ContainerRecord>();
  for (const c of await listContainers(layout)) {
    if (!used.has(c.ImageID)) used.set(c.ImageID, c);
    if (!used.has(c.ImageManifest.digest)) used.set(c.ImageManifest.digest, c);
  }
  return used;
}

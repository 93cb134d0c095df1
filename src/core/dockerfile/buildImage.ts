// `build`: an image from a Dockerfile. FROM takes an image from the store (pulled first when
// missing) or `scratch`; COPY and ADD of local files make layers, ADD unpacking local tars
// (copyLayer.ts); RUN runs its command in a container on the layers so far (runStep.ts) and keeps
// its changes as a layer; ENV, LABEL, CMD, ENTRYPOINT, WORKDIR, USER, EXPOSE, VOLUME, STOPSIGNAL
// and ONBUILD change the config with the daemon's own rules (configChanges.ts), SHELL and
// HEALTHCHECK with runtimeInstructions.ts; ARG and --build-arg feed `$VAR`s. What needs more than
// one stage fails at once with what would be needed, before anything is written. Only the finished image is stored, under the names given; a build that fails or is
// cancelled leaves the store as it was.

import { readFile } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { join, posix } from 'node:path';
import { asOciLayer } from '../archive/appendLayer';
import { storeTarAsLayer } from '../archive/layerFromTar';
import { tarStream } from '../archive/tarWriter';
import { StevedoreError, throwIfAborted } from '../errors';
import { applyChanges, envMap, parseChange, type ConfigChange } from '../image/configChanges';
import { MediaType } from '../image/mediaTypes';
import { hostPlatform, parsePlatform } from '../image/platform';
import type { ContainerConfig, Descriptor, HistoryEntry, ImageConfig, ImageManifest, Platform } from '../image/types';
import { formatReference, parseReference } from '../reference/reference';
import { pullImage, type PullOptions } from '../registry/pullImage';
import type { RegistryClients } from '../registry/registryClients';
import { discardUnreferencedBlobs } from '../store/discardBlobs';
import type { ImageRecord, ImageStore } from '../store/imageStore';
import type { LoadedImage } from '../image/summary';
import { ChangeStatus, NodeFlag, nodeStatus, nodeType, NodeType, treePath } from '../layers/compactTree';
import { analyseImageLayers } from '../layers/imageLayers';
import type { Lease } from '../store/leases';
import { readDockerignore } from './contextFiles';
import { copyTar, planCopy } from './copyLayer';
import { expandWord, jsonArgs, parseDockerfile, plainWords, quotedWords, type Instruction } from './dockerfile';
import { resolveChown, type Owner } from './imageUsers';
import { applyHealthcheck, applyShell } from './runtimeInstructions';
import { runStep } from './runStep';
import { DEFAULT_PATH } from '../runtime/runtimeSpec';
import { sourceDateEpoch } from '../image/sourceDateEpoch';

export interface BuildOptions {
  /** The build context folder. */
  context: string;
  /** The Dockerfile; default `<context>/Dockerfile`. A relative path is taken from the working directory. */
  dockerfile?: string;
  /** Names for the result ("app:1.0"); without any the image is stored untagged. */
  tags?: readonly string[];
  buildArgs?: Readonly<Record<string, string>>;
  /** Labels set on the result after the Dockerfile's own. */
  labels?: Readonly<Record<string, string>>;
  /** The platform to pull FROM images for, and to give a `FROM scratch` image (default: the host's). */
  platform?: Platform;
  /** To pull a FROM image that is not in the store; without them such a build fails. */
  clients?: RegistryClients;
  /** The verify stage for a FROM image that has to be pulled (the signature policy). */
  verifyPull?: PullOptions['verify'];
  /** Defaults to SOURCE_DATE_EPOCH when set, else now. */
  created?: Date;
  /** Where RUN steps' output (stdout and stderr) goes; discarded without one. */
  output?: Writable;
  /** The OCI runtime for RUN steps (runc, crun or a path). */
  runtime?: string;
  /** vfs or overlay for RUN steps' root filesystems (default: overlay where possible). */
  snapshotter?: string;
  hostEnv?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  onEvent?: (event: BuildEvent) => void;
}

export type BuildEvent =
  | { kind: 'step'; index: number; total: number; instruction: string }
  | { kind: 'pulling'; reference: string }
  | { kind: 'layer'; index: number; bytes: number }
  | { kind: 'running'; container: string }
  | { kind: 'removed'; container: string };

export interface BuildResult {
  record: ImageRecord;
  /** The image ID (config digest). */
  id: string;
  tags: string[];
}

const METADATA = new Set(['ENV', 'LABEL', 'CMD', 'ENTRYPOINT', 'WORKDIR', 'USER', 'EXPOSE', 'VOLUME', 'STOPSIGNAL', 'ONBUILD']);

export async function buildImage(store: ImageStore, options: BuildOptions): Promise<BuildResult> {
  const dockerfilePath = options.dockerfile ?? join(options.context, 'Dockerfile');
  const text = await readFile(dockerfilePath, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') throw new StevedoreError('INVALID_ARGUMENT', `Cannot find the Dockerfile ${dockerfilePath}. Name it with -f, or put a Dockerfile in the build context.`);
    throw err;
  });
  const instructions = parseDockerfile(text, 'Dockerfile');
  const tags = (options.tags ?? []).map((t) => {
    const ref = formatReference(parseReference(t));
    if (ref.includes('@')) throw new StevedoreError('INVALID_REFERENCE', `build tags an image with a name and tag, not a digest: "${t}".`);
    return ref;
  });
  checkSupported(instructions);
  const epoch = sourceDateEpoch();
  const createdAt = options.created ?? epoch ?? new Date();
  const created = createdAt.toISOString().replace(/\.000Z$/, 'Z');
  const ignore = await readDockerignore(options.context);
  const emit = options.onEvent ?? (() => undefined);
  const total = instructions.length;

  // ARGs declared before FROM are visible to FROM only (and to ARGs after it that name them again).
  const globalArgs = new Map<string, string>();
  const buildArgs = new Map(Object.entries(options.buildArgs ?? {}));
  const fromIndex = instructions.findIndex((i) => i.keyword === 'FROM');
  for (const [index, instruction] of instructions.slice(0, fromIndex).entries()) {
    emit({ kind: 'step', index: index + 1, total, instruction: instruction.original });
    declareArg(instruction, globalArgs, buildArgs, globalArgs);
  }
  const from = instructions[fromIndex]!;
  emit({ kind: 'step', index: fromIndex + 1, total, instruction: from.original });
  const baseName = expandWord(plainWords(from.args)[0]!, globalArgs, from.line);
  const platform = from.flags.platform ? parsePlatform(expandWord(from.flags.platform, globalArgs, from.line)) : options.platform;
  const base = await baseImage(store, baseName, platform, options, emit);

  const written: string[] = [];
  try {
    return await store.leases.with(async (lease) => {
      if (base.protect.length) await lease.protect(base.protect);
      const args = new Map<string, string>();
      let config = structuredClone(base.config.config ?? {});
      // Docker's builder gives every stage a PATH when its base has none (moby: beginStage).
      if (!(config.Env ?? []).some((e) => e.startsWith('PATH='))) config.Env = [...(config.Env ?? []), `PATH=${DEFAULT_PATH}`];
      let author: string | undefined;
      let lastCmd: ConfigChange | undefined;
      const layers: Descriptor[] = [...base.layers];
      const diffIds = [...base.config.rootfs.diff_ids];
      const history: HistoryEntry[] = [...(base.config.history ?? [])];
      const existingDirs = await directoriesOf(store, base, options.signal);
      const layerSizes: Record<string, number> = {};
      // RUN layers come without a count; the first look at a size measures them (contentSizes.ts).
      const addLayer = (layer: { descriptor: Descriptor; diffId: string; contentSize?: number }): void => {
        written.push(layer.descriptor.digest);
        layers.push(layer.descriptor);
        diffIds.push(layer.diffId);
        if (layer.contentSize !== undefined) layerSizes[layer.diffId] = layer.contentSize;
      };
      for (let index = fromIndex + 1; index < instructions.length; index++) {
        throwIfAborted(options.signal);
        const instruction = instructions[index]!;
        emit({ kind: 'step', index: index + 1, total, instruction: instruction.original });
        const keyword = instruction.keyword;
        if (keyword === 'ARG') {
          declareArg(instruction, args, buildArgs, globalArgs);
          history.push({ created, created_by: instruction.original, empty_layer: true });
        } else if (keyword === 'MAINTAINER') {
          author = instruction.args;
          history.push({ created, created_by: instruction.original, empty_layer: true });
        } else if (keyword === 'SHELL' || keyword === 'HEALTHCHECK') {
          config = keyword === 'SHELL' ? applyShell(config, instruction) : applyHealthcheck(config, instruction);
          history.push({ created, created_by: instruction.original, empty_layer: true });
        } else if (METADATA.has(keyword)) {
          const change = parseChange(instruction.original);
          config = applyWithArgs(config, change, args, lastCmd);
          if (change.instruction === 'CMD') lastCmd = change;
          // A WORKDIR the image lacks is created, as Docker's builder does, in a layer of its own.
          const made = change.instruction === 'WORKDIR' ? await workdirLayer(store, lease, config.WorkingDir ?? '/', existingDirs, createdAt, options.signal) : undefined;
          if (made) addLayer(made);
          history.push({ created, created_by: instruction.original, ...(made ? {} : { empty_layer: true }) });
        } else if (keyword === 'RUN') {
          const exec = jsonArgs(instruction.args, instruction.line);
          const argv = exec ?? [...(config.Shell ?? ['/bin/sh', '-c']), instruction.args];
          // ARGs in scope reach the command's environment (an ENV of the same name wins), and the
          // history names them, as Docker's builder does.
          const present = new Set((config.Env ?? []).map((e) => e.split('=', 1)[0]));
          const argEnv = [...args].filter(([k]) => !present.has(k)).map(([k, v]) => `${k}=${v}`);
          let container = '';
          const step = await runStep(store, lease, {
            layers,
            diffIds,
            base: base.config,
            config: { ...config, Env: [...argEnv, ...(config.Env ?? [])] },
            argv,
            shown: argv.join(' '),
            line: instruction.line,
            ...(options.output ? { output: options.output } : {}),
            ...(options.runtime ? { runtime: options.runtime } : {}),
            ...(options.snapshotter ? { snapshotter: options.snapshotter } : {}),
            ...(options.hostEnv ? { hostEnv: options.hostEnv } : {}),
            ...(options.signal ? { signal: options.signal } : {}),
            onContainer: (id) => {
              container = id;
              emit({ kind: 'running', container: id });
            },
          });
          emit({ kind: 'removed', container });
          if (step.layer) addLayer(step.layer);
          for (const path of step.deleted) for (const dir of [...existingDirs]) if (dir === path || dir.startsWith(`${path}/`)) existingDirs.delete(dir);
          for (const dir of step.dirs) existingDirs.add(dir);
          const prefix = args.size ? `|${args.size} ${[...args].map(([k, v]) => `${k}=${v}`).join(' ')} ` : '';
          history.push({ created, created_by: `RUN ${prefix}${argv.join(' ')} # buildkit`, ...(step.layer ? {} : { empty_layer: true }) });
        } else {
          // COPY or ADD (checkSupported let nothing else through).
          const layer = await copyLayer(store, lease, options, instruction, config, args, ignore, existingDirs, layers, createdAt, (bytes) => emit({ kind: 'layer', index: index + 1, bytes }));
          addLayer(layer);
          history.push({ created, created_by: `${instruction.original} # buildkit` });
        }
      }
      if (options.labels && Object.keys(options.labels).length) {
        config = { ...config, Labels: { ...config.Labels, ...options.labels } };
      }
      throwIfAborted(options.signal);

      const imageConfig: ImageConfig = { ...base.config, created, config, rootfs: { type: 'layers', diff_ids: diffIds }, history };
      // Like Docker, the new image keeps the base's platform, not what described the base's own build.
      for (const key of ['author', 'comment', 'container', 'container_config', 'docker_version', 'parent', 'id']) delete imageConfig[key];
      if (author) imageConfig.author = author;
      const configBlob = await store.blobs.writeBytes(JSON.stringify(imageConfig), {}, lease);
      written.push(configBlob.digest);
      const manifest: ImageManifest = {
        schemaVersion: 2,
        mediaType: MediaType.ociManifest,
        config: { mediaType: MediaType.ociConfig, digest: configBlob.digest, size: configBlob.size },
        layers,
      };
      const manifestBlob = await store.blobs.writeBytes(JSON.stringify(manifest), {}, lease);
      written.push(manifestBlob.digest);
      throwIfAborted(options.signal);
      const platformOfImage: Platform = { os: imageConfig.os, architecture: imageConfig.architecture, ...(imageConfig.variant ? { variant: imageConfig.variant } : {}) };
      const record = await store.addImage({ mediaType: MediaType.ociManifest, digest: manifestBlob.digest, size: manifestBlob.size, platform: platformOfImage }, tags, {
        layerSizes,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      return { record, id: configBlob.digest, tags };
    });
  } catch (err) {
    await discardUnreferencedBlobs(store, written).catch(() => undefined);
    throw err;
  }
}

/** Refuses, before anything is read or written, what this builder cannot do, saying what would be needed. */
function checkSupported(instructions: readonly Instruction[]): void {
  const froms = instructions.filter((i) => i.keyword === 'FROM');
  if (froms.length === 0) throw new StevedoreError('INVALID_ARGUMENT', 'The Dockerfile has no FROM instruction: the first instruction after ARGs must be FROM (FROM scratch for an empty base).');
  if (froms.length > 1) {
    throw new StevedoreError('UNSUPPORTED', `The Dockerfile has ${froms.length} stages (line ${froms[1]!.line}: ${froms[1]!.original}); multi-stage builds need a builder such as docker build or buildah.`);
  }
  const fromIndex = instructions.indexOf(froms[0]!);
  for (const [i, instruction] of instructions.entries()) {
    const where = `Dockerfile line ${instruction.line}: ${instruction.original}`;
    if (i < fromIndex && instruction.keyword !== 'ARG') throw new StevedoreError('INVALID_ARGUMENT', `${where}: only ARG may come before FROM.`);
    if (instruction.keyword === 'RUN') {
      for (const flag of Object.keys(instruction.flags)) throw new StevedoreError('UNSUPPORTED', `${where}: RUN --${flag} is not supported.`);
      if (/^<</.test(instruction.args)) throw new StevedoreError('UNSUPPORTED', `${where}: here-documents are not supported; write the script into the build context and COPY it.`);
    }
    if (instruction.keyword === 'COPY' || instruction.keyword === 'ADD') {
      if (instruction.flags.from) throw new StevedoreError('UNSUPPORTED', `${where}: COPY --from copies from another stage or image, which needs multi-stage builds; copy from the build context instead.`);
      for (const flag of Object.keys(instruction.flags)) {
        if (!['chown', 'chmod', 'link'].includes(flag)) throw new StevedoreError('UNSUPPORTED', `${where}: the --${flag} flag is not supported.`);
      }
    }
    const known = ['ARG', 'FROM', 'COPY', 'ADD', 'MAINTAINER', 'RUN', 'SHELL', 'HEALTHCHECK', ...METADATA];
    if (!known.includes(instruction.keyword)) throw new StevedoreError('INVALID_ARGUMENT', `${where}: ${instruction.keyword} is not a Dockerfile instruction.`);
  }
}

/** ARG NAME[=default]: the --build-arg value wins, then the default, then a global ARG of that name. */
function declareArg(instruction: Instruction, scope: Map<string, string>, buildArgs: ReadonlyMap<string, string>, globals: ReadonlyMap<string, string>): void {
  for (const word of quotedWords(instruction.args)) {
    const eq = word.indexOf('=');
    const key = eq < 0 ? word : word.slice(0, eq);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new StevedoreError('INVALID_ARGUMENT', `Dockerfile line ${instruction.line}: "${key}" is not a valid ARG name.`);
    const fallback = eq < 0 ? globals.get(key) : expandWord(word.slice(eq + 1), scope.size ? scope : globals, instruction.line);
    const value = buildArgs.get(key) ?? fallback;
    if (value !== undefined) scope.set(key, value);
  }
}

/**
 * Applies a metadata change with the ARGs in scope visible to its `$VAR`s (ENV values win over
 * ARGs, as in Docker) without them ending up in the image's Env; ENTRYPOINT keeps a CMD this build
 * set, as Docker's builder does.
 */
function applyWithArgs(config: ContainerConfig, change: ConfigChange, args: ReadonlyMap<string, string>, lastCmd: ConfigChange | undefined): ContainerConfig {
  const keyOf = (entry: string): string => entry.slice(0, Math.max(0, entry.indexOf('=')) || entry.length);
  const env = config.Env ?? [];
  const present = new Set(env.map(keyOf));
  const injected = new Set([...args.keys()].filter((k) => !present.has(k)));
  const withArgs: ContainerConfig = injected.size ? { ...config, Env: [...[...injected].map((k) => `${k}=${args.get(k)!}`), ...env] } : config;
  const changes = change.instruction === 'ENTRYPOINT' && lastCmd ? [lastCmd, change] : [change];
  const applied = applyChanges(withArgs, changes);
  if (!injected.size) return applied;
  // The image's Env: what it had (values as updated), then the keys this ENV added, in its order;
  // the ARGs lent for substitution are gone.
  const byKey = new Map((applied.Env ?? []).map((entry) => [keyOf(entry), entry]));
  const added = change.instruction === 'ENV' ? [...new Set(change.pairs.map((p) => p.key))].filter((k) => !present.has(k)) : [];
  const kept = [...env.map(keyOf), ...added].map((k) => byKey.get(k)).filter((e): e is string => e !== undefined);
  const result = { ...applied };
  if (kept.length || config.Env) result.Env = kept;
  else delete result.Env;
  return result;
}

interface Base {
  image?: LoadedImage;
  config: ImageConfig;
  layers: Descriptor[];
  /** Blobs of the base to keep leased while the build runs. */
  protect: string[];
}

async function baseImage(store: ImageStore, name: string, platform: Platform | undefined, options: BuildOptions, emit: (event: BuildEvent) => void): Promise<Base> {
  if (name === 'scratch') {
    const p = platform ?? hostPlatform();
    return { config: { architecture: p.architecture, os: p.os, ...(p.variant ? { variant: p.variant } : {}), config: {}, rootfs: { type: 'layers', diff_ids: [] }, history: [] }, layers: [], protect: [] };
  }
  let record: ImageRecord;
  try {
    record = await store.find(name);
  } catch (err) {
    if (!(err instanceof StevedoreError) || err.code !== 'IMAGE_NOT_FOUND' || !options.clients) throw err;
    emit({ kind: 'pulling', reference: name });
    await pullImage(store, options.clients, { reference: name, ...(platform ? { platform } : {}), ...(options.signal ? { signal: options.signal } : {}), ...(options.verifyPull ? { verify: options.verifyPull } : {}) });
    record = await store.find(name);
  }
  const image = await store.load(record);
  // In the OCI manifest written here, the base's Docker layer media types become their OCI twins.
  return { image, config: image.config, layers: image.manifest.layers.map(asOciLayer), protect: [image.manifest.config.digest, ...image.manifest.layers.map((l) => l.digest)] };
}

/** The folders of a WORKDIR path the image lacks, as a layer (root, 0755); undefined when it has them all. */
async function workdirLayer(store: ImageStore, lease: Lease, workdir: string, existingDirs: Set<string>, created: Date, signal: AbortSignal | undefined): Promise<{ descriptor: Descriptor; diffId: string; contentSize: number } | undefined> {
  const missing: string[] = [];
  for (let dir = posix.normalize(workdir).replace(/^\/+|\/+$/g, ''); dir && dir !== '.'; dir = posix.dirname(dir)) {
    if (!existingDirs.has(dir)) missing.unshift(dir);
  }
  if (missing.length === 0) return undefined;
  for (const dir of missing) existingDirs.add(dir);
  const tar = tarStream(async (writer) => {
    for (const dir of missing) await writer.add({ name: `${dir}/`, type: 'directory', mode: 0o755, mtime: created });
  });
  const layer = await storeTarAsLayer(store.blobs, lease, tar, { what: `WORKDIR ${workdir}`, compress: false, ...(signal ? { signal } : {}) });
  return { descriptor: layer.descriptor, diffId: layer.diffId, contentSize: layer.contentSize };
}

/**
 * The directories the base image has (listed in its layers, not deleted): read with the layer
 * analysis, whose per-layer listings are cached, so a second build on the same base is quick.
 */
async function directoriesOf(store: ImageStore, base: Base, signal: AbortSignal | undefined): Promise<Set<string>> {
  const dirs = new Set<string>();
  if (!base.image || base.layers.length === 0) return dirs;
  const tree = (await analyseImageLayers(store, base.image, signal ? { signal } : {})).mergedTree();
  for (let i = 1; i < tree.count; i++) {
    const flags = tree.flags[i]!;
    if (nodeType(flags) === NodeType.dir && !(flags & NodeFlag.implicit) && nodeStatus(flags) !== ChangeStatus.deleted) dirs.add(treePath(tree, i).slice(1));
  }
  return dirs;
}

async function copyLayer(
  store: ImageStore,
  lease: Lease,
  options: BuildOptions,
  instruction: Instruction,
  config: ContainerConfig,
  args: ReadonlyMap<string, string>,
  ignore: Awaited<ReturnType<typeof readDockerignore>>,
  existingDirs: Set<string>,
  layers: readonly Descriptor[],
  created: Date,
  onProgress: (bytes: number) => void,
): Promise<{ descriptor: Descriptor; diffId: string; contentSize: number }> {
  const vars = new Map([...args, ...envMap(config.Env)]);
  const words = (jsonArgs(instruction.args, instruction.line) ?? plainWords(instruction.args)).map((w) => expandWord(w, vars, instruction.line));
  if (words.length < 2) throw new StevedoreError('INVALID_ARGUMENT', `Dockerfile line ${instruction.line}: ${instruction.keyword} needs at least one source and a destination.`);
  const sources = words.slice(0, -1);
  if (instruction.keyword === 'ADD' && sources.some((s) => /^[a-z][a-z0-9+.-]*:\/\//i.test(s))) {
    throw new StevedoreError('UNSUPPORTED', `Dockerfile line ${instruction.line}: ADD of a URL is not supported yet; download the file into the build context and COPY it.`);
  }
  const request = {
    sources,
    dest: words.at(-1)!,
    workdir: config.WorkingDir ?? '/',
    existingDirs,
    unpackArchives: instruction.keyword === 'ADD',
    ...(instruction.flags.chown ? { chown: await chownOf(expandWord(instruction.flags.chown, vars, instruction.line), instruction, store, layers, options.signal) } : {}),
    ...(instruction.flags.chmod ? { chmod: parseChmod(instruction.flags.chmod, instruction) } : {}),
  };
  const entries = await planCopy(options.context, request, ignore, options.signal);
  // After this layer, what it holds and the directories leading there exist.
  for (const entry of entries) {
    if (entry.kind === 'directory' || entry.kind === 'archive') existingDirs.add(entry.target);
    for (let dir = posix.dirname(entry.target); dir !== '.'; dir = posix.dirname(dir)) existingDirs.add(dir);
  }
  // Kept uncompressed, as docker and podman keep what they build: compressing 1 GB of layers costs
  // ~20 s of one core (zlib, ~45 MB/s on incompressible data), and a push compresses them anyway.
  const layer = await storeTarAsLayer(store.blobs, lease, copyTar(entries, request, created, existingDirs, options.signal), {
    what: `Dockerfile line ${instruction.line}`,
    compress: false,
    ...(options.signal ? { signal: options.signal } : {}),
    onProgress,
  });
  return { descriptor: layer.descriptor, diffId: layer.diffId, contentSize: layer.contentSize };
}

/** --chown: numeric ids as given; names as the image's /etc/passwd and /etc/group have them. */
async function chownOf(value: string, instruction: Instruction, store: ImageStore, layers: readonly Descriptor[], signal: AbortSignal | undefined): Promise<Owner> {
  if (!/^[^:\s]+(?::[^:\s]+)?$/.test(value)) throw new StevedoreError('INVALID_ARGUMENT', `Dockerfile line ${instruction.line}: --chown=${value} is not USER[:GROUP].`);
  try {
    return await resolveChown(value, store, layers, signal);
  } catch (err) {
    if (err instanceof StevedoreError && err.code === 'INVALID_ARGUMENT') throw new StevedoreError('INVALID_ARGUMENT', `Dockerfile line ${instruction.line}: --chown=${value}: ${err.message}`);
    throw err;
  }
}

function parseChmod(value: string, instruction: Instruction): number {
  if (!/^[0-7]{3,4}$/.test(value)) throw new StevedoreError('INVALID_ARGUMENT', `Dockerfile line ${instruction.line}: --chmod=${value} is not an octal mode such as 755.`);
  return parseInt(value, 8);
}

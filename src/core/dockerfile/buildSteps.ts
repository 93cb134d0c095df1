// One Dockerfile instruction of a stage, run on the stage's state: ENV, LABEL, CMD, ENTRYPOINT,
// WORKDIR, USER, EXPOSE, VOLUME, STOPSIGNAL and ONBUILD change the config with the daemon's own
// rules (configChanges.ts), SHELL and HEALTHCHECK with runtimeInstructions.ts; RUN runs its
// command in a container on the layers so far (runStep.ts) and keeps its changes as a layer; COPY
// and ADD make a layer from the context, from an earlier stage or from an image (copyLayer.ts,
// stageRoot.ts). Each step first asks the build cache (buildCache.ts) and prints Docker's
// " ---> Using cache" when the step's parent, instruction and sources are unchanged.

import { createReadStream } from 'node:fs';
import { readFile, readlink } from 'node:fs/promises';
import { posix } from 'node:path';
import type { Writable } from 'node:stream';
import { asOciLayer } from '../archive/appendLayer';
import { storeTarAsLayer } from '../archive/layerFromTar';
import { tarStream } from '../archive/tarWriter';
import { StevedoreError } from '../errors';
import { applyChanges, envMap, parseChange, type ConfigChange } from '../image/configChanges';
import { MediaType } from '../image/mediaTypes';
import { hostPlatform } from '../image/platform';
import type { LoadedImage } from '../image/summary';
import type { ContainerConfig, Descriptor, ImageConfig, Platform } from '../image/types';
import type { UrlAccess } from '../image/urlSource';
import { ChangeStatus, NodeFlag, nodeStatus, nodeType, NodeType, treePath } from '../layers/compactTree';
import { analyseImageLayers } from '../layers/imageLayers';
import { storeListingCache } from '../layers/layerCache';
import { storeImage, storeLayer } from '../store/storeImage';
import { pullImage, type PullOptions } from '../registry/pullImage';
import type { RegistryClients } from '../registry/registryClients';
import { DEFAULT_PATH } from '../runtime/runtimeSpec';
import type { ImageRecord, ImageStore } from '../store/imageStore';
import type { Lease } from '../store/leases';
import type { SignatureKeeper } from '../trust/signatureRecord';
import type { TransferEvent } from '../transfer/transferEvent';
import { cacheKey, contentHasher, lookUp, remember, stateId, type DirectoryDelta, type StageState } from './buildCache';
import { type IgnoreMatcher } from './contextFiles';
import { copyTar, planCopy, type CopyRequest, type PlannedEntry } from './copyLayer';
import { expandWord, jsonArgs, plainWords, quotedWords, type Instruction } from './dockerfile';
import { resolveChown, type Owner } from './imageUsers';
import { applyHealthcheck, applyShell } from './runtimeInstructions';
import { downloadForAdd, isUrlSource, removeDownloads, type Downloads } from './addUrl';
import { runStep } from './runStep';
import { withStageRoot } from './stageRoot';

export const METADATA = new Set(['ENV', 'LABEL', 'CMD', 'ENTRYPOINT', 'WORKDIR', 'USER', 'EXPOSE', 'VOLUME', 'STOPSIGNAL', 'ONBUILD']);

/** What the classic builder prints about its steps. */
export type BuildStepEvent =
  | { kind: 'step'; index: number; total: number; instruction: string }
  | { kind: 'running'; container: string }
  | { kind: 'removed'; container: string }
  /** The step reused an earlier build's result. */
  | { kind: 'cached' }
  /** The state after FROM or a step (Docker prints its short ID after each step). */
  | { kind: 'stepDone'; id: string };

/**
 * A build's events: its steps, and as TransferEvents the build itself (start … end), the pull of a
 * base image it lacks (a `start` of 'pull' naming the image as the Dockerfile does, then the pull's
 * own layer events and end), and each layer a step writes, named by its step ("step 3") since its
 * digest is known only once written: `transferring` with the bytes written so far, then `done`;
 * `exists` for a step the build cache had.
 */
export type BuildEvent = BuildStepEvent | TransferEvent;

/** What every step of one build shares. */
export interface BuildRun {
  store: ImageStore;
  lease: Lease;
  context: string;
  ignore: IgnoreMatcher;
  /** ISO time of the history entries and configs this build writes. */
  created: string;
  createdAt: Date;
  buildArgs: ReadonlyMap<string, string>;
  globalArgs: ReadonlyMap<string, string>;
  noCache: boolean;
  platform?: Platform;
  clients?: RegistryClients;
  verifyPull?: PullOptions['verify'];
  signatures?: SignatureKeeper;
  /** For ADD of URLs. */
  urlAccess?: UrlAccess;
  output?: Writable;
  runtime?: string;
  snapshotter?: string;
  hostEnv?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  emit: (event: BuildEvent) => void;
  /** Blobs this build wrote, removed again when it fails. */
  written: string[];
  /** Chain IDs of every state the build reached: the layer snapshots a failed build may leave. */
  chains: Set<string>;
  /** Resolves `COPY --from=X` to an earlier stage's state, or undefined when X is an image. */
  stageNamed: (ref: string, line: number) => StageState | undefined;
}

/** What one stage carries between its steps beyond the image: ARGs in scope, the last CMD, the directories. */
export interface StageScope {
  args: Map<string, string>;
  lastCmd?: ConfigChange;
  dirs: Directories;
}

/**
 * The directories the stage's image has ("srv/app"), read from its base's layers only when a step
 * needs them: a fully cached build never reads them. Deltas of cached steps wait until then.
 */
export class Directories {
  private set: Set<string> | undefined;
  private readonly pending: DirectoryDelta[] = [];
  constructor(private readonly load: () => Promise<Set<string>>) {}

  async get(): Promise<Set<string>> {
    this.set ??= await this.load();
    for (const delta of this.pending.splice(0)) applyDelta(this.set, delta);
    return this.set;
  }

  apply(delta: DirectoryDelta): void {
    if (this.set) applyDelta(this.set, delta);
    else this.pending.push(delta);
  }
}

function applyDelta(dirs: Set<string>, delta: DirectoryDelta): void {
  for (const path of delta.deleted) for (const dir of [...dirs]) if (dir === path || dir.startsWith(`${path}/`)) dirs.delete(dir);
  for (const dir of delta.added) dirs.add(dir);
}

// ---------------------------------------------------------------------------------------------
// The start of a stage

/** An image's or `scratch`'s state as a stage's start: a config as Docker's builder begins it. */
export async function imageState(run: BuildRun, name: string, platform: Platform | undefined): Promise<{ state: StageState; id: string }> {
  if (name === 'scratch') {
    const p = platform ?? hostPlatform();
    const image: ImageConfig = { architecture: p.architecture, os: p.os, ...(p.variant ? { variant: p.variant } : {}), config: {}, rootfs: { type: 'layers', diff_ids: [] }, history: [] };
    return { state: startState(image, []), id: '' };
  }
  let record: ImageRecord;
  try {
    record = await run.store.find(name);
  } catch (err) {
    if (!(err instanceof StevedoreError) || err.code !== 'IMAGE_NOT_FOUND' || !run.clients) throw err;
    // Said before the pull resolves anything, as Docker's builder does; the pull's own start would say it again.
    run.emit({ kind: 'start', operation: 'pull', reference: name });
    const pulled = await pullImage(run.store, run.clients, {
      reference: name,
      ...(platform ? { platform } : {}),
      ...(run.signal ? { signal: run.signal } : {}),
      ...(run.verifyPull ? { verify: run.verifyPull } : {}),
      onEvent: (event) => event.kind !== 'start' && run.emit(event),
    });
    await run.signatures?.keep(run.store.layout, [pulled]);
    record = await run.store.find(name);
  }
  const loaded = await run.store.load(record);
  await run.lease.protect([loaded.manifest.config.digest, ...loaded.manifest.layers.map((l) => l.digest)]);
  // In the OCI manifest written here, the base's Docker layer media types become their OCI twins.
  return { state: startState(loaded.config, loaded.manifest.layers.map(asOciLayer)), id: loaded.manifest.config.digest };
}

function startState(base: ImageConfig, layers: Descriptor[]): StageState {
  const image: ImageConfig = structuredClone(base);
  // Like Docker, the new image keeps the base's platform, not what described the base's own build.
  for (const key of ['author', 'comment', 'container', 'container_config', 'docker_version', 'parent', 'id']) delete image[key];
  const config = image.config ?? {};
  // Docker's builder gives every stage a PATH when its base has none (moby: beginStage).
  if (!(config.Env ?? []).some((e) => e.startsWith('PATH='))) config.Env = [...(config.Env ?? []), `PATH=${DEFAULT_PATH}`];
  image.config = config;
  image.history ??= [];
  return { image, layers, layerSizes: {} };
}

/** The directories of a state's layers (listed, not deleted), through the layer analysis and its per-layer cache. */
export async function directoriesOf(store: ImageStore, state: StageState, signal: AbortSignal | undefined): Promise<Set<string>> {
  const dirs = new Set<string>();
  if (state.layers.length === 0) return dirs;
  const image = storeImage(store.blobs, asLoaded(state), storeListingCache(store.layout));
  const tree = (await analyseImageLayers(image, signal ? { signal } : {})).mergedTree();
  for (let i = 1; i < tree.count; i++) {
    const flags = tree.flags[i]!;
    if (nodeType(flags) === NodeType.dir && !(flags & NodeFlag.implicit) && nodeStatus(flags) !== ChangeStatus.deleted) dirs.add(treePath(tree, i).slice(1));
  }
  return dirs;
}

/** A state as the loaded image runtime and analysis code take; it is in no index. */
function asLoaded(state: StageState): LoadedImage {
  const none = `sha256:${'0'.repeat(64)}`;
  return {
    manifestDescriptor: { mediaType: MediaType.ociManifest, digest: none, size: 0 },
    manifest: { schemaVersion: 2, mediaType: MediaType.ociManifest, config: { mediaType: MediaType.ociConfig, digest: none, size: 0 }, layers: [...state.layers] },
    config: state.image,
  };
}

// ---------------------------------------------------------------------------------------------
// One step

interface Outcome {
  state: StageState;
  dirs: DirectoryDelta;
}

const NO_DIRS: DirectoryDelta = { added: [], deleted: [] };

export async function runInstruction(run: BuildRun, scope: StageScope, state: StageState, instruction: Instruction, stepIndex: number): Promise<StageState> {
  const keyword = instruction.keyword;
  // What a step means outside the image is kept whether or not the cache has the step.
  if (keyword === 'ARG') declareArg(instruction, scope.args, run.buildArgs, run.globalArgs);
  const change = METADATA.has(keyword) ? parseChange(instruction.original) : undefined;
  const copySource = keyword === 'COPY' || keyword === 'ADD' ? await copySourceOf(run, scope, state, instruction) : undefined;
  let outcome: Outcome;
  try {
    const extra = copySource ? await copyCacheInput(run, scope, state, instruction, copySource) : '';
    const key = cacheKey(state, instruction.original, scope.args, extra);
    const hit = run.noCache ? undefined : await lookUp(run.store.layout, run.store.blobs, run.lease, key);
    if (hit) {
      run.emit({ kind: 'cached' });
      // The layer the step wrote in an earlier build is there already.
      const reused = hit.state.layers.length > state.layers.length ? hit.state.layers.at(-1) : undefined;
      if (reused) run.emit({ kind: 'layer', id: stepLayerId(stepIndex), state: 'exists', current: reused.size, total: reused.size });
      outcome = hit;
      scope.dirs.apply(hit.dirs);
    } else {
      outcome = await execute(run, scope, state, instruction, change, copySource, stepIndex);
      await remember(run.store.layout, key, outcome);
    }
  } finally {
    if (copySource?.kind === 'download') await removeDownloads(copySource.downloads);
  }
  if (change?.instruction === 'CMD') scope.lastCmd = change;
  run.emit({ kind: 'stepDone', id: stateId(outcome.state) });
  return outcome.state;
}

/** A layer a step writes is named by its step: its digest exists only once it is written. */
function stepLayerId(stepIndex: number): string {
  return `step ${stepIndex}`;
}

/** The layer events of step `stepIndex`: the bytes written so far, and the layer once stored. */
function layerEvents(run: BuildRun, stepIndex: number): { writing: (bytes: number) => void; written: (layer: StoredStep | undefined) => void } {
  const id = stepLayerId(stepIndex);
  return {
    writing: (bytes) => run.emit({ kind: 'layer', id, state: 'transferring', current: bytes, total: 0 }),
    written: (layer) => {
      if (layer) run.emit({ kind: 'layer', id, state: 'done', current: layer.descriptor.size, total: layer.descriptor.size });
    },
  };
}

async function execute(run: BuildRun, scope: StageScope, state: StageState, instruction: Instruction, change: ConfigChange | undefined, copySource: CopySource | undefined, stepIndex: number): Promise<Outcome> {
  const { created } = run;
  const events = layerEvents(run, stepIndex);
  const keyword = instruction.keyword;
  const image = structuredClone(state.image);
  const config = image.config ?? {};
  const history = image.history ?? [];
  const next = (c: ContainerConfig, layer?: StoredStep): StageState => {
    const layers = [...state.layers];
    const diffIds = [...image.rootfs.diff_ids];
    const layerSizes = { ...state.layerSizes };
    if (layer) {
      run.written.push(layer.descriptor.digest);
      layers.push(layer.descriptor);
      diffIds.push(layer.diffId);
      if (layer.contentSize !== undefined) layerSizes[layer.diffId] = layer.contentSize;
    }
    return { image: { ...image, created, config: c, rootfs: { type: 'layers', diff_ids: diffIds }, history }, layers, layerSizes };
  };
  if (keyword === 'ARG' || keyword === 'MAINTAINER' || keyword === 'SHELL' || keyword === 'HEALTHCHECK') {
    history.push({ created, created_by: instruction.original, empty_layer: true });
    if (keyword === 'MAINTAINER') image.author = instruction.args;
    const updated = keyword === 'SHELL' ? applyShell(config, instruction) : keyword === 'HEALTHCHECK' ? applyHealthcheck(config, instruction) : config;
    return { state: next(updated), dirs: NO_DIRS };
  }
  if (change) {
    const updated = applyWithArgs(config, change, scope.args, scope.lastCmd);
    // A WORKDIR the image lacks is created, as Docker's builder does, in a layer of its own.
    const made = change.instruction === 'WORKDIR' ? await workdirLayer(run, updated.WorkingDir ?? '/', await scope.dirs.get(), events.writing) : undefined;
    events.written(made?.layer);
    history.push({ created, created_by: instruction.original, ...(made ? {} : { empty_layer: true }) });
    return { state: next(updated, made?.layer), dirs: made?.dirs ?? NO_DIRS };
  }
  if (keyword === 'RUN') {
    const exec = jsonArgs(instruction.args, instruction.line);
    const argv = exec ?? [...(config.Shell ?? ['/bin/sh', '-c']), instruction.args];
    // ARGs in scope reach the command's environment (an ENV of the same name wins), and the
    // history names them, as Docker's builder does.
    const present = new Set((config.Env ?? []).map((e) => e.split('=', 1)[0]));
    const argEnv = [...scope.args].filter(([k]) => !present.has(k)).map(([k, v]) => `${k}=${v}`);
    let container = '';
    const step = await runStep(run.store, run.lease, {
      layers: state.layers,
      diffIds: image.rootfs.diff_ids,
      base: image,
      config: { ...config, Env: [...argEnv, ...(config.Env ?? [])] },
      argv,
      shown: argv.join(' '),
      line: instruction.line,
      ...(run.output ? { output: run.output } : {}),
      ...(run.runtime ? { runtime: run.runtime } : {}),
      ...(run.snapshotter ? { snapshotter: run.snapshotter } : {}),
      ...(run.hostEnv ? { hostEnv: run.hostEnv } : {}),
      ...(run.signal ? { signal: run.signal } : {}),
      onContainer: (id) => {
        container = id;
        run.emit({ kind: 'running', container: id });
      },
      onLayerBytes: events.writing,
    });
    events.written(step.layer);
    run.emit({ kind: 'removed', container });
    const delta = { added: step.dirs, deleted: step.deleted };
    scope.dirs.apply(delta);
    const prefix = scope.args.size ? `|${scope.args.size} ${[...scope.args].map(([k, v]) => `${k}=${v}`).join(' ')} ` : '';
    history.push({ created, created_by: `RUN ${prefix}${argv.join(' ')} # buildkit`, ...(step.layer ? {} : { empty_layer: true }) });
    return { state: next(config, step.layer), dirs: delta };
  }
  // COPY or ADD (checkSupported let nothing else through).
  const dirs = await scope.dirs.get();
  const before = new Set(dirs);
  const layer = await copyLayer(run, scope, state, instruction, copySource!, dirs, events.writing);
  events.written(layer);
  history.push({ created, created_by: `${instruction.original} # buildkit` });
  return { state: next(config, layer), dirs: { added: [...dirs].filter((d) => !before.has(d)), deleted: [] } };
}

interface StoredStep {
  descriptor: Descriptor;
  diffId: string;
  contentSize?: number;
}

// ---------------------------------------------------------------------------------------------
// ARG and the metadata instructions

/** ARG NAME[=default]: the --build-arg value wins, then the default, then a global ARG of that name. */
export function declareArg(instruction: Instruction, scope: Map<string, string>, buildArgs: ReadonlyMap<string, string>, globals: ReadonlyMap<string, string>): void {
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

/** The folders of a WORKDIR path the image lacks, as a layer (root, 0755); undefined when it has them all. */
async function workdirLayer(run: BuildRun, workdir: string, existingDirs: Set<string>, onProgress: (bytes: number) => void): Promise<{ layer: StoredStep; dirs: DirectoryDelta } | undefined> {
  const missing: string[] = [];
  for (let dir = posix.normalize(workdir).replace(/^\/+|\/+$/g, ''); dir && dir !== '.'; dir = posix.dirname(dir)) {
    if (!existingDirs.has(dir)) missing.unshift(dir);
  }
  if (missing.length === 0) return undefined;
  for (const dir of missing) existingDirs.add(dir);
  const tar = tarStream(async (writer) => {
    for (const dir of missing) await writer.add({ name: `${dir}/`, type: 'directory', mode: 0o755, mtime: run.createdAt });
  });
  const layer = await storeTarAsLayer(run.store.blobs, run.lease, tar, { what: `WORKDIR ${workdir}`, compress: false, ...(run.signal ? { signal: run.signal } : {}), onProgress });
  return { layer: { descriptor: layer.descriptor, diffId: layer.diffId, contentSize: layer.contentSize }, dirs: { added: missing, deleted: [] } };
}

// ---------------------------------------------------------------------------------------------
// COPY and ADD

/**
 * Where a COPY or ADD reads: the build context, the files of an earlier stage or an image
 * (--from), or files ADD downloaded (addUrl.ts) into a temporary folder.
 */
type CopySource = { kind: 'context' } | { kind: 'stage'; state: StageState; what: string } | { kind: 'download'; downloads: Downloads };

const NO_IGNORE: IgnoreMatcher = { excludes: () => false, hasExceptions: false };

async function copySourceOf(run: BuildRun, scope: StageScope, state: StageState, instruction: Instruction): Promise<CopySource> {
  const from = instruction.flags.from;
  if (from === undefined) {
    const sources = copyWords(scope, state, instruction).slice(0, -1);
    const urls = sources.filter(isUrlSource);
    if (urls.length === 0) return { kind: 'context' };
    if (instruction.keyword === 'COPY') throw new StevedoreError('INVALID_ARGUMENT', `Dockerfile line ${instruction.line}: COPY takes files from the build context; use ADD to download ${urls[0]}.`);
    if (urls.length !== sources.length) throw new StevedoreError('UNSUPPORTED', `Dockerfile line ${instruction.line}: ADD mixes URLs and local files; write one ADD for the URLs and one for the files.`);
    return { kind: 'download', downloads: await downloadForAdd(urls, instruction.line, { ...(run.urlAccess ? { access: run.urlAccess } : {}), ...(run.signal ? { signal: run.signal } : {}) }) };
  }
  if (instruction.keyword === 'ADD') throw new StevedoreError('INVALID_ARGUMENT', `Dockerfile line ${instruction.line}: ADD has no --from; use COPY --from.`);
  const ref = expandWord(from, run.globalArgs, instruction.line);
  if (ref === '') throw new StevedoreError('INVALID_ARGUMENT', `Dockerfile line ${instruction.line}: --from needs a stage name, a stage number or an image.`);
  const stage = run.stageNamed(ref, instruction.line);
  if (stage) return { kind: 'stage', state: stage, what: `stage "${ref}"` };
  // An image, pulled when the store lacks it, as Docker does.
  const { state: image } = await imageState(run, ref, run.platform);
  return { kind: 'stage', state: image, what: `image "${ref}"` };
}

/**
 * What, besides parent and instruction, decides a COPY's layer: the stage or image it reads, or a
 * hash of the files it takes (for downloads their times too, which come from the server).
 */
/** COPY sources up to this size are read whole for the cache key; larger ones are streamed. */
const SMALL_FILE = 256 * 1024;
/** How many small sources are read ahead of the hash. */
const READ_AHEAD = 16;

async function copyCacheInput(run: BuildRun, scope: StageScope, state: StageState, instruction: Instruction, source: CopySource): Promise<string> {
  if (source.kind === 'stage') return `from ${stateId(source.state)} ${source.state.layers.map((l) => l.digest).join(',')}`;
  const request = await copyRequest(run, scope, state, instruction, new Set(), source);
  const [root, ignore] = source.kind === 'download' ? [source.downloads.dir, NO_IGNORE] : [run.context, run.ignore];
  const entries = await planCopy(root, request, ignore, run.signal);
  const hash = contentHasher();
  // Small files are read whole, several at once, a few ahead of the hash (which takes them in
  // order): a cached COPY of a few hundred files was a stream per file, one after another.
  const small = (entry: PlannedEntry): boolean => Boolean(entry.abs && (entry.kind === 'file' || entry.kind === 'archive') && entry.info && entry.info.size <= SMALL_FILE);
  const ahead = new Map<number, Promise<Buffer>>();
  const readAhead = (from: number): void => {
    for (let i = from; i < entries.length && i < from + READ_AHEAD; i++) {
      if (!ahead.has(i) && small(entries[i]!)) {
        const reading = readFile(entries[i]!.abs!);
        reading.catch(() => undefined);
        ahead.set(i, reading);
      }
    }
  };
  for (const [index, entry] of entries.entries()) {
    readAhead(index);
    hash.add([entry.target, entry.kind, entry.info ? entry.info.mode : -1, entry.info ? entry.info.size : -1, source.kind === 'download' && entry.info ? entry.info.mtimeMs : 0]);
    const whole = ahead.get(index);
    if (whole) {
      ahead.delete(index);
      hash.addBytes(await whole);
    } else if (entry.abs && (entry.kind === 'file' || entry.kind === 'archive')) {
      for await (const chunk of createReadStream(entry.abs, { highWaterMark: 1024 * 1024 })) hash.addBytes(chunk as Buffer);
    } else if (entry.abs && entry.kind === 'symlink') {
      hash.add(['link', await readlink(entry.abs)]);
    }
  }
  return `${source.kind} ${hash.digest()}`;
}

/** The instruction's words, `$VAR`s expanded: sources, then the destination. */
function copyWords(scope: StageScope, state: StageState, instruction: Instruction): string[] {
  const vars = new Map([...scope.args, ...envMap(state.image.config?.Env)]);
  const words = (jsonArgs(instruction.args, instruction.line) ?? plainWords(instruction.args)).map((w) => expandWord(w, vars, instruction.line));
  if (words.length < 2) throw new StevedoreError('INVALID_ARGUMENT', `Dockerfile line ${instruction.line}: ${instruction.keyword} needs at least one source and a destination.`);
  return words;
}

async function copyRequest(run: BuildRun, scope: StageScope, state: StageState, instruction: Instruction, existingDirs: ReadonlySet<string>, source: CopySource): Promise<CopyRequest> {
  const config = state.image.config ?? {};
  const vars = new Map([...scope.args, ...envMap(config.Env)]);
  const words = copyWords(scope, state, instruction);
  const downloaded = source.kind === 'download';
  return {
    sources: downloaded ? source.downloads.names : words.slice(0, -1),
    dest: words.at(-1)!,
    workdir: config.WorkingDir ?? '/',
    existingDirs,
    // A downloaded archive is added as it is, as Docker does.
    unpackArchives: instruction.keyword === 'ADD' && !downloaded,
    ...(instruction.flags.chown ? { chown: await chownOf(run, expandWord(instruction.flags.chown, vars, instruction.line), instruction, state.layers) } : {}),
    ...(instruction.flags.chmod ? { chmod: parseChmod(instruction.flags.chmod, instruction) } : {}),
  };
}

async function copyLayer(run: BuildRun, scope: StageScope, state: StageState, instruction: Instruction, source: CopySource, existingDirs: Set<string>, onProgress: (bytes: number) => void): Promise<StoredStep> {
  const request = await copyRequest(run, scope, state, instruction, existingDirs, source);
  const store = async (entries: PlannedEntry[]): Promise<StoredStep> => {
    // After this layer, what it holds and the directories leading there exist.
    for (const entry of entries) {
      if (entry.kind === 'directory' || entry.kind === 'archive') existingDirs.add(entry.target);
      for (let dir = posix.dirname(entry.target); dir !== '.'; dir = posix.dirname(dir)) existingDirs.add(dir);
    }
    // Kept uncompressed, as docker and podman keep what they build: compressing 1 GB of layers costs
    // ~20 s of one core (zlib, ~45 MB/s on incompressible data), and a push compresses them anyway.
    const layer = await storeTarAsLayer(run.store.blobs, run.lease, copyTar(entries, request, run.createdAt, existingDirs, run.signal), {
      what: `Dockerfile line ${instruction.line}`,
      compress: false,
      ...(run.signal ? { signal: run.signal } : {}),
      onProgress,
    });
    return { descriptor: layer.descriptor, diffId: layer.diffId, contentSize: layer.contentSize };
  };
  if (source.kind === 'context') return store(await planCopy(run.context, request, run.ignore, run.signal));
  if (source.kind === 'download') return store(await planCopy(source.downloads.dir, request, NO_IGNORE, run.signal));
  return withStageRoot(run.store, source.state, { ...(run.snapshotter ? { snapshotter: run.snapshotter } : {}), ...(run.signal ? { signal: run.signal } : {}) }, async (root) =>
    store(await planCopy(root, request, NO_IGNORE, run.signal, { inRoot: { what: source.what } })),
  );
}

/** --chown: numeric ids as given; names as the image's /etc/passwd and /etc/group have them. */
async function chownOf(run: BuildRun, value: string, instruction: Instruction, layers: readonly Descriptor[]): Promise<Owner> {
  if (!/^[^:\s]+(?::[^:\s]+)?$/.test(value)) throw new StevedoreError('INVALID_ARGUMENT', `Dockerfile line ${instruction.line}: --chown=${value} is not USER[:GROUP].`);
  try {
    const readable = layers.map((descriptor, index) => storeLayer(run.store.blobs, descriptor, index, null));
    return await resolveChown(value, readable, storeListingCache(run.store.layout), run.signal);
  } catch (err) {
    if (err instanceof StevedoreError && err.code === 'INVALID_ARGUMENT') throw new StevedoreError('INVALID_ARGUMENT', `Dockerfile line ${instruction.line}: --chown=${value}: ${err.message}`);
    throw err;
  }
}

function parseChmod(value: string, instruction: Instruction): number {
  if (!/^[0-7]{3,4}$/.test(value)) throw new StevedoreError('INVALID_ARGUMENT', `Dockerfile line ${instruction.line}: --chmod=${value} is not an octal mode such as 755.`);
  return parseInt(value, 8);
}

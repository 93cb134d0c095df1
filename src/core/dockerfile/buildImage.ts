// `build`: an image from a Dockerfile, as `docker build`'s classic builder makes it. The stages
// (stages.ts) are built in order up to `--target`, each from an image in the store (pulled first
// when missing), `scratch` or an earlier stage; their steps run in buildSteps.ts, each reusing an
// earlier build's result when the build cache (buildCache.ts) has it. Only the last stage becomes
// an image, under the names given: earlier stages are not tagged and leave no image, and their
// layers are kept only as long as garbage collection leaves them (the cache names them, but does
// not keep them). A build that fails or is cancelled leaves the store as it was.

import { readFile } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { join } from 'node:path';
import { StevedoreError, throwIfAborted } from '../errors';
import { parsePlatform } from '../image/platform';
import { sourceDateEpoch } from '../image/sourceDateEpoch';
import type { ImageConfig, Platform } from '../image/types';
import { writeImage } from '../store/writeImage';
import type { SignatureKeeper } from '../trust/signatureRecord';
import { formatReference, parseReference } from '../reference/reference';
import type { PullOptions } from '../registry/pullImage';
import type { UrlAccess } from '../image/urlSource';
import type { RegistryClients } from '../registry/registryClients';
import { removeSnapshots, unusedSnapshots } from '../runtime/snapshotGc';
import { chainIds } from '../runtime/snapshots';
import { requireContainerPrivileges } from '../runtime/userNamespace';
import { discardUnreferencedBlobs } from '../store/discardBlobs';
import type { ImageRecord, ImageStore } from '../store/imageStore';
import { stateId, type StageState } from './buildCache';
import { declareArg, directoriesOf, Directories, imageState, METADATA, runInstruction, type BuildEvent, type BuildRun, type StageScope } from './buildSteps';
import { readDockerignore } from './contextFiles';
import { expandWord, parseDockerfile, plainWords, type Instruction } from './dockerfile';
import { earlierStage, splitStages, type Stage } from './stages';

export type { BuildEvent } from './buildSteps';

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
  /** How ADD reaches URLs: proxy settings and extra CAs. */
  urlAccess?: UrlAccess;
  /** The verify stage for a FROM image that has to be pulled (the signature policy). */
  verifyPull?: PullOptions['verify'];
  /** Keeps the signatures `verifyPull` accepted with each image the build pulled, as `pull` keeps them. */
  signatures?: SignatureKeeper;
  /** Defaults to SOURCE_DATE_EPOCH when set, else now. */
  created?: Date;
  /** Where RUN steps' output (stdout and stderr) goes; discarded without one. */
  output?: Writable;
  /** The OCI runtime for RUN steps (runc, crun or a path). */
  runtime?: string;
  /** vfs or overlay for RUN steps' root filesystems (default: overlay where possible). */
  snapshotter?: string;
  hostEnv?: NodeJS.ProcessEnv;
  /** Build the stages up to this one (by its `AS` name) and make it the image. */
  target?: string;
  /** Run every step again instead of reusing an earlier build's (the results are still remembered). */
  noCache?: boolean;
  signal?: AbortSignal;
  onEvent?: (event: BuildEvent) => void;
}

export interface BuildResult {
  record: ImageRecord;
  /** The image ID (config digest). */
  id: string;
  tags: string[];
}

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
  const { metaArgs, stages } = splitStages(instructions, options.target);
  checkSupported(instructions);
  // RUN and COPY --from need a container's root filesystem: say what is missing for one before
  // any step writes anything.
  if (stages.some((s) => s.instructions.some((i) => i.keyword === 'RUN' || ((i.keyword === 'COPY' || i.keyword === 'ADD') && i.flags.from !== undefined)))) {
    await requireContainerPrivileges(options.hostEnv);
  }
  const epoch = sourceDateEpoch();
  const createdAt = options.created ?? epoch ?? new Date();
  const created = createdAt.toISOString().replace(/\.000Z$/, 'Z');
  const ignore = await readDockerignore(options.context);
  const emit = options.onEvent ?? (() => undefined);
  const reference = tags[0] ?? options.context;
  emit({ kind: 'start', operation: 'build', reference });
  // Docker counts every instruction of the stages it builds, FROMs and the ARGs before them included.
  const total = metaArgs.length + stages.reduce((sum, stage) => sum + 1 + stage.instructions.length, 0);
  let stepIndex = 0;
  const step = (instruction: Instruction): number => {
    emit({ kind: 'step', index: ++stepIndex, total, instruction: instruction.original });
    return stepIndex;
  };

  // ARGs declared before FROM are visible to FROM only (and to ARGs after it that name them again).
  const globalArgs = new Map<string, string>();
  const buildArgs = new Map(Object.entries(options.buildArgs ?? {}));
  for (const instruction of metaArgs) {
    step(instruction);
    declareArg(instruction, globalArgs, buildArgs, globalArgs);
  }

  const written: string[] = [];
  const chains = new Set<string>();
  try {
    return await store.leases.with(async (lease) => {
      const built: StageState[] = [];
      const run: BuildRun = {
        store,
        lease,
        context: options.context,
        ignore,
        created,
        createdAt,
        buildArgs,
        globalArgs,
        noCache: options.noCache ?? false,
        ...(options.platform ? { platform: options.platform } : {}),
        ...(options.clients ? { clients: options.clients } : {}),
        ...(options.verifyPull ? { verifyPull: options.verifyPull } : {}),
        ...(options.signatures ? { signatures: options.signatures } : {}),
        ...(options.urlAccess ? { urlAccess: options.urlAccess } : {}),
        ...(options.output ? { output: options.output } : {}),
        ...(options.runtime ? { runtime: options.runtime } : {}),
        ...(options.snapshotter ? { snapshotter: options.snapshotter } : {}),
        ...(options.hostEnv ? { hostEnv: options.hostEnv } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        emit,
        written,
        chains,
        stageNamed: () => undefined,
      };
      for (const stage of stages) {
        throwIfAborted(options.signal);
        run.stageNamed = (ref, line) => {
          const earlier = earlierStage(stages, stage.index, ref, true, line);
          return earlier ? built[earlier.index] : undefined;
        };
        built[stage.index] = await buildStage(run, stages, built, stage, step);
      }
      const last = built.at(-1)!;
      throwIfAborted(options.signal);

      const imageConfig: ImageConfig = structuredClone(last.image);
      if (options.labels && Object.keys(options.labels).length) {
        imageConfig.config = { ...imageConfig.config, Labels: { ...imageConfig.config?.Labels, ...options.labels } };
      }
      const record = await writeImage(store, lease, { config: imageConfig, layers: last.layers, refs: tags, layerSizes: last.layerSizes }, {
        onWritten: (digest) => written.push(digest),
        ...(options.signal ? { signal: options.signal } : {}),
      });
      emit({ kind: 'end', operation: 'build', reference, id: record.id });
      return { record, id: record.id, tags };
    });
  } catch (err) {
    await discardUnreferencedBlobs(store, written).catch(() => undefined);
    await discardSnapshots(store, chains).catch(() => undefined);
    throw err;
  }
}

/**
 * Removes the layer snapshots a failed build's RUN and COPY --from steps unpacked its own layers
 * into, now that those layers are gone: only snapshots of this build's states that nothing uses.
 */
async function discardSnapshots(store: ImageStore, chains: ReadonlySet<string>): Promise<void> {
  if (chains.size === 0) return;
  await store.update(async (tx) => {
    const unused = await unusedSnapshots(store.blobs, store.layout, tx.index);
    if (unused) await removeSnapshots(store.layout, unused.filter((id) => chains.has(id)));
  });
}

async function buildStage(run: BuildRun, stages: readonly Stage[], built: readonly StageState[], stage: Stage, step: (instruction: Instruction) => number): Promise<StageState> {
  const from = stage.from;
  step(from);
  const baseName = expandWord(plainWords(from.args)[0]!, run.globalArgs, from.line);
  const platform = from.flags.platform ? parsePlatform(expandWord(from.flags.platform, run.globalArgs, from.line)) : run.platform;
  const earlier = earlierStage(stages, stage.index, baseName, false, from.line);
  const base = earlier ? { state: built[earlier.index]!, id: stateId(built[earlier.index]!) } : await imageState(run, baseName, platform);
  let state = base.state;
  // Docker prints the base image's ID (none for scratch).
  run.emit({ kind: 'stepDone', id: base.id });
  const start = state;
  const scope: StageScope = { args: new Map(), dirs: new Directories(() => directoriesOf(run.store, start, run.signal)) };
  for (const instruction of stage.instructions) {
    throwIfAborted(run.signal);
    const index = step(instruction);
    state = await runInstruction(run, scope, state, instruction, index);
    for (const id of chainIds(state.image.rootfs.diff_ids)) run.chains.add(id);
  }
  return state;
}

/** Refuses, before anything is read or written, what this builder cannot do, saying what would be needed. */
function checkSupported(instructions: readonly Instruction[]): void {
  for (const instruction of instructions) {
    const where = `Dockerfile line ${instruction.line}: ${instruction.original}`;
    if (instruction.keyword === 'RUN') {
      for (const flag of Object.keys(instruction.flags)) throw new StevedoreError('UNSUPPORTED', `${where}: RUN --${flag} is not supported.`);
      if (/^<</.test(instruction.args)) throw new StevedoreError('UNSUPPORTED', `${where}: here-documents are not supported; write the script into the build context and COPY it.`);
    }
    if (instruction.keyword === 'COPY' || instruction.keyword === 'ADD') {
      for (const flag of Object.keys(instruction.flags)) {
        if (!['chown', 'chmod', 'link', 'from'].includes(flag)) throw new StevedoreError('UNSUPPORTED', `${where}: the --${flag} flag is not supported.`);
      }
    }
    const known = ['ARG', 'FROM', 'COPY', 'ADD', 'MAINTAINER', 'RUN', 'SHELL', 'HEALTHCHECK', ...METADATA];
    if (!known.includes(instruction.keyword)) throw new StevedoreError('INVALID_ARGUMENT', `${where}: ${instruction.keyword} is not a Dockerfile instruction.`);
  }
}

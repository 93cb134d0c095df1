// `copy SOURCE DESTINATION` between the store, container engines and archive files. Every path is
// one stream: the source's archive bytes flow into the destination's reader (the store's `load`,
// the engine's /images/load, a file), so nothing is staged twice and memory stays flat. What the
// destination already has (same image ID) is not transferred again, only named.

import { createReadStream } from 'node:fs';
import { watchArchiveLayers } from '../archive/archiveLayerProgress';
import { loadArchive } from '../archive/loadArchive';
import { writeOutputFile } from '../archive/outputFile';
import { saveArchive } from '../archive/saveArchive';
import { StevedoreError } from '../errors';
import { familiarName, familiarString, parseReference } from '../reference/reference';
import { findImage, type ImageStore } from '../store/imageStore';
import { tagImage } from '../store/tagImage';
import type { EngineClient } from '../engine/engineClient';
import type { EngineKind } from '../engine/engineEndpoint';
import { exportEngineImages, inspectEngineImage, loadEngineImages, tagEngineImage } from '../engine/engineImages';
import type { TransferListener } from '../transfer/transferEvent';
import { describeLocation, fullReference, type ImageLocation } from './imageLocation';

export interface CopyOptions {
  openStore: () => Promise<ImageStore>;
  /** The client of an engine; `endpoint` is the location's, when it names one. */
  engine: (kind: EngineKind, endpoint?: string) => Promise<EngineClient>;
  signal?: AbortSignal;
  /**
   * Progress as TransferEvents: start; the archive's `bytes` as they go from the source to the
   * destination (total 0: not known ahead) and each layer entry of it as it streams (named by its
   * path in the archive); end.
   */
  onEvent?: TransferListener;
}

export interface CopyResult {
  /** The image ID (config digest). */
  id: string;
  /** The destination had the image already; only its name was added. */
  alreadyPresent: boolean;
  /** Bytes streamed from source to destination (0 when nothing had to move). */
  bytes: number;
  /** The names the image has at the destination, as that side shows them. */
  names: string[];
}

export async function copyImage(source: ImageLocation, destination: ImageLocation, options: CopyOptions): Promise<CopyResult> {
  const counter = { bytes: 0 };
  const emit = options.onEvent;
  const counted = (stream: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> => {
    const bytes = countBytes(stream, counter, emit);
    return emit ? watchArchiveLayers(bytes, emit) : bytes;
  };
  const reference = describeLocation(source);
  emit?.({ kind: 'start', operation: 'copy', reference });
  const image = await openSource(source, options);
  const result = await writeDestination(destination, image, counted, options);
  emit?.({ kind: 'end', operation: 'copy', reference, ...(result.id ? { id: result.id } : {}), upToDate: result.alreadyPresent });
  return { ...result, bytes: result.alreadyPresent ? 0 : counter.bytes };
}

/** The source image: its ID when it can be known up front, and its archive bytes. */
interface SourceImage {
  id?: string;
  /** Full references the source calls the image by (for a destination that gives no name). */
  names: string[];
  /** Where it came from, for messages. */
  label: string;
  /** Whether `archive(names)` writes those names into the archive (the store can; an engine or file cannot). */
  namesItsArchive: boolean;
  archive(names?: readonly string[]): AsyncIterable<Uint8Array>;
}

async function openSource(source: ImageLocation, options: CopyOptions): Promise<SourceImage> {
  const label = describeLocation(source);
  switch (source.kind) {
    case 'store': {
      const store = await options.openStore();
      const record = findImage(await store.list(), source.name);
      const ref = fullReference(source.name);
      const names = ref ? [ref] : [];
      return {
        id: record.id,
        names,
        label,
        namesItsArchive: true,
        archive: (refs = names) => saveArchive(store, [{ record, refs: [...refs] }], { signal: options.signal }),
      };
    }
    case 'engine': {
      const client = await options.engine(source.engine, source.endpoint);
      const inspected = await inspectEngineImage(client, source.name, options.signal);
      if (!inspected) {
        throw new StevedoreError('IMAGE_NOT_FOUND', `${client.describe()} has no image "${source.name}". \`stevedore images --engine ${source.engine}\` lists what it has.`);
      }
      const ref = fullReference(source.name);
      return {
        id: String(inspected.Id),
        names: ref ? [ref] : [],
        label,
        namesItsArchive: false,
        archive: () => exportEngineImages(client, [source.name], options.signal),
      };
    }
    case 'archive': {
      if (source.format === 'oci-archive' && source.name) {
        throw new StevedoreError('UNSUPPORTED', `Choosing one image of an oci-archive by name is not supported yet: copy ${source.format}:${source.path} (every image in it).`);
      }
      return { names: [], label, namesItsArchive: false, archive: () => readFileStream(source.path, options.signal) };
    }
  }
}

async function writeDestination(
  destination: ImageLocation,
  source: SourceImage,
  counted: (s: AsyncIterable<Uint8Array>) => AsyncIterable<Uint8Array>,
  options: CopyOptions,
): Promise<Omit<CopyResult, 'bytes'>> {
  const signal = options.signal;
  switch (destination.kind) {
    case 'store': {
      const store = await options.openStore();
      const target = destination.name ? requireReference(destination.name, 'the store') : undefined;
      if (source.id && (await store.list()).some((r) => r.id === source.id)) {
        if (target) await tagImage(store, source.id, target, signal);
        return { id: source.id, alreadyPresent: true, names: target ? [familiar(target)] : [] };
      }
      const loaded = await loadArchive(store, { source: counted(source.archive()), sourceName: source.label, signal, ...(target ? { names: [target] } : {}) });
      return { id: loaded.images[0]?.id ?? '', alreadyPresent: false, names: target ? [familiar(target)] : loaded.images.flatMap((i) => i.refs.map(familiar)) };
    }
    case 'engine': {
      const client = await options.engine(destination.engine, destination.endpoint);
      const target = destination.name ? requireReference(destination.name, client.describe()) : undefined;
      const ref = target ? parseReference(target) : undefined;
      const name = ref ? { repository: familiarName(ref), tag: ref.tag ?? 'latest' } : undefined;
      if (source.id && (await inspectEngineImage(client, source.id, signal))) {
        if (name) await tagEngineImage(client, source.id, name, signal);
        return { id: source.id, alreadyPresent: true, names: target ? [familiar(target)] : [] };
      }
      const result = await loadEngineImages(client, counted(source.archive(target ? [target] : source.names)), signal);
      const loaded = source.id ?? loadedImage(result.messages);
      if (!loaded) throw new StevedoreError('ENGINE_ERROR', `${client.describe()} loaded the archive but did not say what it loaded (${result.messages.join('; ') || 'no messages'}).`);
      // An archive made elsewhere keeps its own names; the destination's is added to them.
      if (name && !source.namesItsArchive) await tagEngineImage(client, loaded, name, signal);
      const inspected = await inspectEngineImage(client, target ?? loaded, signal);
      if (!inspected) throw new StevedoreError('ENGINE_ERROR', `${client.describe()} accepted the image but does not list ${target ? familiar(target) : loaded} afterwards.`);
      return { id: String(inspected.Id), alreadyPresent: false, names: target ? [familiar(target)] : [] };
    }
    case 'archive': {
      if (!source.namesItsArchive && destination.format === 'oci-archive') {
        throw new StevedoreError('UNSUPPORTED', `An engine's export or another archive is written as it is (docker-archive); copy it into the store first, then to oci-archive:${destination.path}.`);
      }
      if (!source.namesItsArchive && destination.name) {
        throw new StevedoreError('UNSUPPORTED', `The image can be renamed on the way only from the store; copy it into the store first, then to ${destination.format}:${destination.path}:${destination.name}.`);
      }
      const names = destination.name ? [requireReference(destination.name, destination.path)] : source.names;
      await writeOutputFile(counted(source.archive(names)), destination.path, (await options.openStore()).root, signal);
      return { id: source.id ?? '', alreadyPresent: false, names: names.map(familiar) };
    }
  }
}

function requireReference(name: string, where: string): string {
  const full = fullReference(name);
  if (!full) throw new StevedoreError('INVALID_ARGUMENT', `Name the image in ${where} with a reference (NAME[:TAG]), not an ID: "${name}".`);
  return full;
}

function familiar(full: string): string {
  return familiarString(parseReference(full));
}

/** The image an engine's /images/load reports: "Loaded image: NAME" or "Loaded image ID: sha256:…". */
export function loadedImage(messages: readonly string[]): string | undefined {
  for (const m of messages) {
    const match = /^Loaded image(?: ID)?: (\S+)$/.exec(m);
    if (match) return match[1];
  }
  return undefined;
}

async function* readFileStream(path: string, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  const stream = createReadStream(path, { highWaterMark: 1024 * 1024, ...(signal ? { signal } : {}) });
  try {
    for await (const chunk of stream) yield chunk as Buffer;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new StevedoreError('INVALID_ARGUMENT', `There is no file ${path}.`);
    if (code === 'EISDIR') throw new StevedoreError('INVALID_ARGUMENT', `${path} is a folder, not an archive file.`);
    throw err;
  }
}

async function* countBytes(stream: AsyncIterable<Uint8Array>, counter: { bytes: number }, emit?: TransferListener): AsyncGenerator<Uint8Array> {
  for await (const chunk of stream) {
    counter.bytes += chunk.length;
    emit?.({ kind: 'bytes', current: counter.bytes, total: 0 });
    yield chunk;
  }
}

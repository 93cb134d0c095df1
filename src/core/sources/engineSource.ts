// A container engine (Docker, or Podman's Docker-compatible service) as an image source and target.
// Its native form is the archive stream: /images/get as a source, /images/load as a target, which
// copy uses as the fast path whenever the other side speaks archives too. Where an `Image` is
// needed (to a registry, say), the export is spilled once to a file in the store's ingest folder
// (scratchFile.ts: the store's disk, not a tmpfs /tmp; a killed process's file is a stale ingest
// `system check --repair` removes) and read in place from there (layoutFiles.ts), not loaded into
// the store; the file goes when the image is closed.

import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { copyToWritable } from '../archive/tarWriter';
import { imagesArchive } from '../archive/saveArchive';
import type { EngineClient } from '../engine/engineClient';
import { exportEngineImages, inspectEngineImage, listEngineImages, loadEngineImages, removeEngineImage, tagEngineImage } from '../engine/engineImages';
import { StevedoreError } from '../errors';
import type { Image } from '../image/image';
import type { ImageStore } from '../store/imageStore';
import { scratchFile } from '../store/scratchFile';
import { familiarName, parseReference } from '../reference/reference';
import type { ArchiveExport, ImageSource, ImageTarget, ListedImage, OpenedImage, PutItem, PutOptions, PutResult } from './imageSource';
import { tarFiles } from './layoutFiles';
import { putOne } from './putSeveral';
import { dockerArchiveImage } from './layoutImage';
import { familiar, fullReference } from './sourceNames';

export class EngineSource implements ImageSource, ImageTarget {
  readonly kind = 'engine';

  constructor(
    private readonly client: EngineClient,
    /** How the user named the engine, for "stevedore images --engine NAME" in messages. */
    private readonly engineName: string,
    /** The store whose ingest folder holds an export read in place (opened only when one is). */
    private readonly spillStore: () => Promise<Pick<ImageStore, 'layout'>>,
  ) {}

  describe(): string {
    return this.client.describe();
  }

  async list(options: { signal?: AbortSignal } = {}): Promise<ListedImage[]> {
    const images = await listEngineImages(this.client, options.signal ? { signal: options.signal } : {});
    return images.map((i) => ({ id: i.Id, names: (i.RepoTags ?? []).filter((t) => t !== '<none>:<none>') }));
  }

  async exportArchive(ref: string | undefined, signal?: AbortSignal): Promise<ArchiveExport> {
    const name = requireName(ref, this.describe());
    const id = await this.idOf(name, signal);
    const full = fullReference(name);
    return { id, names: full ? [full] : [], namesItsArchive: false, label: `${this.describe()} (${name})`, stream: (_names, reading) => exportEngineImages(this.client, [name], signal, { reusePieces: reading?.letsGoOfChunks === true }) };
  }

  async get(ref: string | undefined, options: { signal?: AbortSignal } = {}): Promise<OpenedImage> {
    const { signal } = options;
    const exported = await this.exportArchive(ref, signal);
    const spill = await scratchFile(await this.spillStore(), 'export');
    const close = (): Promise<void> => spill.remove();
    try {
      const file = spill.path;
      const out = createWriteStream(file, { flags: 'wx' });
      try {
        await copyToWritable(exported.stream(), out, signal);
        out.end();
        await finished(out);
      } finally {
        out.destroy();
      }
      const opened = await dockerArchiveImage(await tarFiles(file, exported.label, signal), signal ? { signal } : {});
      return { image: opened.image, names: exported.names, close };
    } catch (err) {
      await close();
      throw err;
    }
  }

  async has(image: Pick<Image, 'manifest'>, _refs: readonly string[], signal?: AbortSignal): Promise<boolean> {
    return this.hasId(image.manifest.config.digest, signal);
  }

  async hasId(id: string, signal?: AbortSignal): Promise<boolean> {
    return (await inspectEngineImage(this.client, id, signal)) !== undefined;
  }

  async tag(id: string, refs: readonly string[], signal?: AbortSignal): Promise<string[]> {
    for (const ref of refs) {
      const parsed = parseReference(ref);
      await tagEngineImage(this.client, id, { repository: familiarName(parsed), tag: parsed.tag ?? 'latest' }, signal);
    }
    return refs.map(familiar);
  }

  async remove(ref: string, signal?: AbortSignal): Promise<void> {
    await removeEngineImage(this.client, ref, signal ? { signal } : {});
  }

  put(image: Image, refs: readonly string[], options: PutOptions = {}): Promise<PutResult> {
    return putOne(this, image, refs, options);
  }

  /** Several images in one load: one archive stream written from them as the engine reads it. */
  async putAll(items: readonly PutItem[], options: PutOptions = {}): Promise<PutResult[]> {
    const { signal } = options;
    await loadEngineImages(this.client, imagesArchive(items, signal ? { signal } : {}), signal);
    const results: PutResult[] = [];
    for (const { image, refs } of items) {
      const id = image.manifest.config.digest;
      if (!(await this.hasId(id, signal))) throw new StevedoreError('ENGINE_ERROR', `${this.describe()} accepted the image but does not list ${id} afterwards.`);
      results.push({ id, names: refs.map(familiar) });
    }
    return results;
  }

  async importArchive(archive: ArchiveExport, refs: readonly string[], options: PutOptions = {}): Promise<PutResult> {
    const { signal } = options;
    const result = await loadEngineImages(this.client, archive.stream(refs.length ? refs : archive.names), signal);
    const loaded = archive.id ?? loadedImage(result.messages);
    if (!loaded) throw new StevedoreError('ENGINE_ERROR', `${this.describe()} loaded the archive but did not say what it loaded (${result.messages.join('; ') || 'no messages'}).`);
    // An archive made elsewhere keeps its own names; the target's are added to them.
    if (refs.length && !archive.namesItsArchive) await this.tag(loaded, refs, signal);
    const inspected = await inspectEngineImage(this.client, refs[0] ?? loaded, signal);
    if (!inspected) throw new StevedoreError('ENGINE_ERROR', `${this.describe()} accepted the image but does not list ${refs[0] ? familiar(refs[0]) : loaded} afterwards.`);
    return { id: String(inspected.Id), names: refs.map(familiar) };
  }

  private async idOf(name: string, signal?: AbortSignal): Promise<string> {
    const inspected = await inspectEngineImage(this.client, name, signal);
    if (!inspected) throw new StevedoreError('IMAGE_NOT_FOUND', `${this.describe()} has no image "${name}". \`stevedore images --engine ${this.engineName}\` lists what it has.`);
    return String(inspected.Id);
  }
}

function requireName(ref: string | undefined, where: string): string {
  if (!ref) throw new StevedoreError('INVALID_ARGUMENT', `Name the image in ${where}: docker-daemon:NAME[:TAG] or an image ID.`);
  return ref;
}

/** The image an engine's /images/load reports: "Loaded image: NAME" or "Loaded image ID: sha256:…". */
export function loadedImage(messages: readonly string[]): string | undefined {
  for (const m of messages) {
    const match = /^Loaded image(?: ID)?: (\S+)$/.exec(m);
    if (match) return match[1];
  }
  return undefined;
}

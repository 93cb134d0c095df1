// Archive files (docker-archive:, oci-archive:) and OCI layout folders (oci:) as image sources and
// targets. As a source an image is read in place (layoutFiles.ts: the tar's headers indexed once,
// layers read by offset), so an archive can go to a registry or an engine without being loaded
// into the store; a whole archive file also has its bytes as a stream, which copy uses when the
// target can take an archive as it is. As a target the image is written as Stevedore's save writes
// it (the dual docker/OCI format) into a file that appears only once complete, or into the folder's
// OCI layout (blobs first, index.json last).

import { createReadStream } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { OCI_INDEX_FILE, OCI_LAYOUT_CONTENT, OCI_LAYOUT_FILE } from '../archive/archiveFormat';
import { writeOutputFile } from '../archive/outputFile';
import { imagesArchive, type SaveOptions } from '../archive/saveArchive';
import { copyToWritable } from '../archive/tarWriter';
import { parseDigest } from '../digest';
import { StevedoreError } from '../errors';
import type { Image } from '../image/image';
import { decodeIndex } from '../image/imageDocuments';
import { REF_NAME_ANNOTATION, type ImageIndex } from '../image/types';
import { writeFileAtomic } from '../store/atomicFile';
import { assertOutsideStore } from '../store/outsideStore';
import type { ArchiveExport, GetOptions, ImageSource, ImageTarget, ListedImage, OpenedImage, PutItem, PutOptions, PutResult } from './imageSource';
import { folderFiles, tarFiles, type LayoutFiles } from './layoutFiles';
import { archiveDocument, dockerArchiveImage, ociLayoutImage } from './layoutImage';
import { archivedResults, putOne } from './putSeveral';
import { familiar } from './sourceNames';

export type ArchiveFormat = 'docker-archive' | 'oci-archive' | 'oci';

export interface ArchiveWriteOptions {
  /** Write gzip layers as plain tars, as classic `docker save` does (saveArchive.ts). */
  uncompressed?: boolean;
}

function archiveOptions(writing: ArchiveWriteOptions, signal: AbortSignal | undefined): SaveOptions {
  return { ...(writing.uncompressed ? { uncompressed: true } : {}), ...(signal ? { signal } : {}) };
}

export class ArchiveSource implements ImageSource, ImageTarget {
  readonly kind = 'archive';

  /** `storeRoot`: files are never written inside the store (outsideStore.ts). */
  constructor(
    readonly format: ArchiveFormat,
    readonly path: string,
    private readonly storeRoot: string,
    private readonly writing: ArchiveWriteOptions = {},
  ) {}

  describe(): string {
    return this.format === 'oci' ? `the OCI layout ${this.path}` : this.path;
  }

  async list(options: { signal?: AbortSignal } = {}): Promise<ListedImage[]> {
    const files = await this.files(options.signal);
    if ((await files.size(OCI_INDEX_FILE)) === undefined) {
      const opened = await dockerArchiveImage(files, {});
      return [{ id: opened.image.manifest.config.digest, names: opened.names }];
    }
    const index = decodeIndex(await files.readSmall(OCI_INDEX_FILE, 8 * 1024 * 1024), archiveDocument(files.what, OCI_INDEX_FILE));
    return (index.manifests ?? []).map((m) => ({ names: m.annotations?.[REF_NAME_ANNOTATION] ? [m.annotations[REF_NAME_ANNOTATION]] : [] }));
  }

  async get(ref: string | undefined, options: GetOptions = {}): Promise<OpenedImage> {
    const files = await this.files(options.signal);
    const selection = { ...(ref ? { name: ref } : {}), ...(options.platform ? { platform: options.platform } : {}), ...(options.signal ? { signal: options.signal } : {}) };
    const opened = this.format === 'docker-archive' ? await dockerArchiveImage(files, selection) : await ociLayoutImage(files, selection);
    return { ...opened, close: async () => undefined };
  }

  /** The whole file as it is, when no one image of it was asked for (the store and engines load archives). */
  async exportArchive(ref: string | undefined, signal?: AbortSignal): Promise<ArchiveExport | undefined> {
    if (ref || this.format === 'oci') return undefined;
    return { names: [], namesItsArchive: false, label: this.path, stream: () => readFileStream(this.path, signal) };
  }

  async has(): Promise<boolean> {
    return false; // a file is written whole each time
  }

  async tag(): Promise<string[]> {
    throw new StevedoreError('UNSUPPORTED', `${this.describe()} cannot be tagged in place; copy the image to it again under the new name.`);
  }

  async remove(): Promise<void> {
    throw new StevedoreError('UNSUPPORTED', `Images are not removed from ${this.describe()}; delete the file.`);
  }

  put(image: Image, refs: readonly string[], options: PutOptions = {}): Promise<PutResult> {
    return putOne(this, image, refs, options);
  }

  /** Several images into one archive file (written whole), or one after the other into the folder's layout. */
  async putAll(items: readonly PutItem[], options: PutOptions = {}): Promise<PutResult[]> {
    const { signal } = options;
    if (this.format === 'oci') {
      for (const { image, refs } of items) await this.putLayout(image, refs, signal);
    } else {
      await writeOutputFile(imagesArchive(items, archiveOptions(this.writing, signal)), this.path, this.storeRoot, signal);
    }
    // oci:DIR:NAME keeps NAME as written.
    return archivedResults(items, this.format === 'oci' ? (ref) => ref : familiar);
  }

  /** Another archive's bytes written as they are: only when they need no new names and the file is a docker-archive. */
  async importArchive(archive: ArchiveExport, refs: readonly string[], options: PutOptions = {}): Promise<PutResult | undefined> {
    if (this.format !== 'docker-archive' || this.writing.uncompressed || (refs.length > 0 && !archive.namesItsArchive)) return undefined;
    await writeOutputFile(archive.stream(refs.length ? refs : archive.names), this.path, this.storeRoot, options.signal);
    return { id: archive.id ?? '', names: (refs.length ? refs : archive.names).map(familiar) };
  }

  private files(signal?: AbortSignal): Promise<LayoutFiles> {
    return this.format === 'oci' ? Promise.resolve(folderFiles(this.path, this.describe())) : tarFiles(this.path, this.path, signal);
  }

  /** Blobs into blobs/sha256 (each complete before it is named), then index.json replaced atomically. */
  private async putLayout(image: Image, refs: readonly string[], signal?: AbortSignal): Promise<void> {
    await assertOutsideStore(this.storeRoot, this.path);
    const blobs = join(this.path, 'blobs', 'sha256');
    await mkdir(blobs, { recursive: true });
    const present = folderFiles(this.path, this.describe());
    const write = async (digest: string, bytes: AsyncIterable<Uint8Array>): Promise<void> => {
      const name = `blobs/sha256/${parseDigest(digest).hex}`;
      if ((await present.size(name)) !== undefined) return;
      await writeOutputFile(bytes, join(this.path, name), this.storeRoot, signal);
    };
    for (const layer of image.layers) await write(layer.descriptor.digest, layer.compressed(signal ? { signal } : {}));
    await write(image.manifest.config.digest, single(await image.rawConfig()));
    await write(image.manifestDescriptor.digest, single(await image.rawManifest()));
    await writeFileAtomic(join(this.path, OCI_LAYOUT_FILE), OCI_LAYOUT_CONTENT);
    const index = await readIndex(join(this.path, OCI_INDEX_FILE));
    const { annotations: _annotations, ...descriptor } = image.manifestDescriptor;
    // oci:DIR:NAME keeps NAME as written (skopeo's ref.name), which may be a bare tag such as "latest".
    const names = refs.length ? [...refs] : [undefined];
    for (const name of names) {
      index.manifests = index.manifests.filter((m) => (name ? m.annotations?.[REF_NAME_ANNOTATION] !== name : m.digest !== descriptor.digest || m.annotations?.[REF_NAME_ANNOTATION] !== undefined));
      index.manifests.push(name ? { ...descriptor, annotations: { [REF_NAME_ANNOTATION]: name } } : descriptor);
    }
    await writeFileAtomic(join(this.path, OCI_INDEX_FILE), JSON.stringify(index));
  }
}

async function readIndex(path: string): Promise<ImageIndex> {
  try {
    const index = JSON.parse(await readFile(path, 'utf8')) as ImageIndex;
    return { ...index, schemaVersion: 2, manifests: Array.isArray(index.manifests) ? index.manifests : [] };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [] };
    throw new StevedoreError('INVALID_ARCHIVE', `${path} is not a readable OCI index (${(err as Error).message}); fix or remove it, then copy again.`);
  }
}

async function* single(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

export async function* readFileStream(path: string, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
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

/** An archive that is only a stream (standard input, a file being read): it goes whole into a target that loads archives. */
export class ArchiveStream implements ImageSource {
  readonly kind = 'archive';

  constructor(
    private readonly bytes: AsyncIterable<Uint8Array>,
    /** A path, or "-" for standard input. */
    private readonly label: string,
  ) {}

  describe(): string {
    return this.label === '-' ? 'standard input' : this.label;
  }

  async list(): Promise<ListedImage[]> {
    throw this.whole();
  }

  async get(): Promise<OpenedImage> {
    throw this.whole();
  }

  async exportArchive(): Promise<ArchiveExport> {
    return { names: [], namesItsArchive: false, label: this.label, stream: () => this.bytes };
  }

  private whole(): StevedoreError {
    return new StevedoreError('UNSUPPORTED', `${this.describe()} is read as a stream: it can be loaded whole into the store or an engine; write it to a file to read one image of it.`);
  }
}

/**
 * An archive written to a stream as it is made (`save` to standard output): the dual format, like
 * an archive file, but nothing can be taken back once written, so a failure ends the stream early
 * (saveArchive.ts holds each blob's last chunk until its digest checks out).
 */
export class ArchiveOutput implements ImageTarget {
  readonly kind = 'archive';

  constructor(
    private readonly output: Writable,
    private readonly label: string,
    private readonly writing: ArchiveWriteOptions = {},
  ) {}

  describe(): string {
    return this.label;
  }

  async has(): Promise<boolean> {
    return false;
  }

  async tag(): Promise<string[]> {
    throw new StevedoreError('UNSUPPORTED', `${this.label} is written once; name the images when writing it.`);
  }

  async remove(): Promise<void> {
    throw new StevedoreError('UNSUPPORTED', `Nothing is removed from ${this.label}.`);
  }

  put(image: Image, refs: readonly string[], options: PutOptions = {}): Promise<PutResult> {
    return putOne(this, image, refs, options);
  }

  async putAll(items: readonly PutItem[], options: PutOptions = {}): Promise<PutResult[]> {
    await copyToWritable(imagesArchive(items, archiveOptions(this.writing, options.signal)), this.output, options.signal);
    return archivedResults(items);
  }
}

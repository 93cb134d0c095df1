// The single pass over an image archive. Entries may come in any order (manifest.json may be last),
// so every file that could be a blob or a layer is streamed straight into a blob ingest and hashed on
// the way, small metadata files are kept in memory under a size cap, links are recorded, and the
// structure is worked out only once the whole tar has been read. Small entries that look like
// neither a layer nor a named blob (junk, or a config without a .json name) go to one spill file,
// so an archive of many small files costs neither a file per entry nor memory per byte. Nothing is
// committed here.

import { sha256Digest, tryParseDigest } from '../digest';
import { StevedoreError, throwIfAborted } from '../errors';
import type { BlobStore } from '../store/blobStore';
import { BufferPool } from '../store/bufferPool';
import type { Lease } from '../store/leases';
import { ArchiveLinks, normaliseArchivePath } from './archivePaths';
import { MAX_SPILLED_ENTRY, SpillFile } from './spillFile';
import type { TransferListener } from '../transfer/transferEvent';
import { looksLikeLayer, readSmallEntry, readStagedSmall, stageFile, type StagedFile } from './stagedFile';
import { skipEntry, tarEntries } from './tarEntries';

/** Largest manifest.json, index.json, manifest or config accepted (the store reads no larger JSON). */
export const MAX_METADATA_BYTES = 8 * 1024 * 1024;
/** All metadata kept in memory for one archive. */
const MAX_METADATA_TOTAL = 64 * 1024 * 1024;
/**
 * Entries in one archive; a real one has a few per layer. A small unneeded one costs no memory
 * (spillFile.ts), so the cap only stops an endless stream of headers on a pipe.
 */
const MAX_ENTRIES = 10_000_000;

export interface ArchiveContents {
  /** Names the archive in messages. */
  what: string;
  /** Regular files by normalised path, except those spilled. */
  files: Map<string, StagedFile>;
  /** Small regular files not yet known to be needed (read back by findFile). */
  spill?: SpillFile;
  links: ArchiveLinks;
}

export interface ReadArchiveOptions {
  what: string;
  signal?: AbortSignal;
  /** Each layer's progress as it is staged (TransferEvent layer events, named by path). */
  onEvent?: TransferListener;
}

export async function readArchive(blobs: BlobStore, lease: Lease, source: AsyncIterable<Uint8Array>, options: ReadArchiveOptions): Promise<ArchiveContents> {
  const { what } = options;
  const contents: ArchiveContents = { what, files: new Map(), links: new ArchiveLinks(what) };
  let entries = 0;
  let metadataBytes = 0;
  // One entry is staged at a time: a few buffers in flight serve them all.
  const buffers = new BufferPool({ keep: 4 });
  try {
    for await (const { header, body } of tarEntries(source, { what, signal: options.signal })) {
      throwIfAborted(options.signal);
      if (++entries > MAX_ENTRIES) {
        throw new StevedoreError('INVALID_ARCHIVE', `${what} has more than ${MAX_ENTRIES} entries; no image archive needs that many. Refusing it; nothing was loaded.`);
      }
      const path = normaliseArchivePath(header.name, what);
      const replaced = contents.files.get(path);
      const forget = async (): Promise<void> => {
        // A later entry of the same name replaces an earlier one, as when tar extracts it.
        // A spilled entry of the name needs no forgetting: files and links are looked at first.
        contents.files.delete(path);
        contents.links.delete(path);
        await replaced?.ingest?.abort();
      };
      switch (header.type) {
        case 'symlink':
          await forget();
          contents.links.addSymlink(path, header.linkname ?? '');
          await skipEntry(body);
          continue;
        case 'link':
          await forget();
          contents.links.addHardlink(path, header.linkname ?? '');
          await skipEntry(body);
          continue;
        case 'file':
        case 'contiguous-file':
          break;
        default:
          // Directories, and device or fifo entries no image archive has a use for.
          await skipEntry(body);
          continue;
      }
      if (path === '') throw new StevedoreError('INVALID_ARCHIVE', `${what} has a file entry named "${header.name}", which is the archive root. Refusing it; nothing was loaded.`);
      await forget();
      const kind = classify(path, what);
      if (kind.type === 'skip') {
        await skipEntry(body);
        continue;
      }
      if (kind.type === 'metadata') {
        const bytes = await readSmallEntry(body, { path, size: header.size, maxBytes: MAX_METADATA_BYTES, what, signal: options.signal });
        metadataBytes += bytes.length;
        if (metadataBytes > MAX_METADATA_TOTAL) {
          throw new StevedoreError('INVALID_ARCHIVE', `${what} holds more than ${MAX_METADATA_TOTAL / (1024 * 1024)} MiB of JSON metadata. Refusing it; nothing was loaded.`);
        }
        const digest = sha256Digest(bytes);
        contents.files.set(path, { path, size: bytes.length, digest, diffId: digest, compression: 'none', looksLikeLayer: false, bytes });
        continue;
      }
      let source: AsyncIterable<Uint8Array> | Iterable<Uint8Array> = body;
      if (!kind.claimedDigest && header.size <= MAX_SPILLED_ENTRY) {
        const bytes = await readSmallEntry(body, { path, size: header.size, maxBytes: MAX_SPILLED_ENTRY, what, signal: options.signal });
        if (bytes.length === header.size && !looksLikeLayer(bytes)) {
          contents.spill ??= await SpillFile.create(blobs, lease);
          await contents.spill.add(path, bytes);
          continue;
        }
        // A small layer is staged as any layer is (and shown while loading).
        source = [bytes];
      }
      const staged = await stageFile(blobs, lease, source, {
        path,
        size: header.size,
        ...(kind.claimedDigest ? { claimedDigest: kind.claimedDigest } : {}),
        what,
        signal: options.signal,
        ...(options.onEvent ? { onEvent: options.onEvent } : {}),
        buffers,
      });
      contents.files.set(path, staged);
    }
    if (entries === 0) {
      throw new StevedoreError('INVALID_ARCHIVE', `${what} is empty. Give an archive made by docker save, podman save, skopeo or stevedore save.`);
    }
    return contents;
  } catch (err) {
    await discardArchive(contents);
    throw err;
  }
}

/** Removes every ingest file the archive left behind; staged files already committed are unaffected. */
export async function discardArchive(contents: ArchiveContents): Promise<void> {
  await Promise.all([...contents.files.values()].map((f) => f.ingest?.abort()));
  await contents.spill?.discard();
}

/** The regular file `path` names (following the archive's links), or undefined. */
export async function findFile(contents: ArchiveContents, path: string): Promise<StagedFile | undefined> {
  const resolved = contents.links.resolve(path);
  const found = contents.files.get(resolved);
  if (found) return found;
  const bytes = await contents.spill?.find(resolved);
  if (!bytes) return undefined;
  // Spilled only when it looked like no layer: plain bytes, kept in memory from here as metadata is.
  const digest = sha256Digest(bytes);
  const file: StagedFile = { path: resolved, size: bytes.length, digest, diffId: digest, compression: 'none', looksLikeLayer: false, bytes };
  contents.files.set(resolved, file);
  return file;
}

/** A blob of an OCI layout inside the archive, by digest. */
export async function findBlob(contents: ArchiveContents, digest: string): Promise<StagedFile | undefined> {
  const parsed = tryParseDigest(digest);
  if (!parsed) return undefined;
  return findFile(contents, `blobs/${parsed.algorithm}/${parsed.hex}`);
}

export async function readJsonFile<T>(blobs: BlobStore, contents: ArchiveContents, file: StagedFile, label: string): Promise<{ value: T; bytes: Buffer }> {
  const bytes = await readStagedSmall(blobs, file, MAX_METADATA_BYTES, contents.what);
  try {
    return { value: JSON.parse(bytes.toString('utf8')) as T, bytes };
  } catch (err) {
    throw new StevedoreError('INVALID_ARCHIVE', `${contents.what}: ${label} "${file.path}" is not valid JSON (${(err as Error).message}). Nothing was loaded.`, { cause: err });
  }
}

type EntryKind = { type: 'metadata' } | { type: 'skip' } | { type: 'blob'; claimedDigest?: string };

function classify(path: string, what: string): EntryKind {
  const parts = path.split('/');
  if (parts.length === 1) {
    // manifest.json, repositories, index.json, oci-layout, and the <id>.json configs of docker save.
    if (path === 'repositories' || path === 'oci-layout' || path.endsWith('.json')) return { type: 'metadata' };
    return { type: 'blob' };
  }
  if (parts[0] === 'blobs') {
    const digest = parts.length === 3 ? `${parts[1]}:${parts[2]}` : '';
    const parsed = tryParseDigest(digest);
    if (!parsed) {
      throw new StevedoreError('INVALID_ARCHIVE', `${what} has a blob "${path}" whose name is not a valid digest (blobs/sha256/ and 64 lowercase hex digits). Refusing it; nothing was loaded.`);
    }
    if (parsed.algorithm !== 'sha256') {
      throw new StevedoreError('UNSUPPORTED', `${what} has a ${parsed.algorithm} blob ("${path}"); Stevedore stores sha256 blobs only.`);
    }
    return { type: 'blob', claimedDigest: digest };
  }
  // Old docker save: <v1 id>/json and <v1 id>/VERSION describe v1 layers nobody reads any more.
  if (parts.length === 2 && (parts[1] === 'json' || parts[1] === 'VERSION')) return { type: 'skip' };
  return { type: 'blob' };
}


// Unpacks one image layer on top of a root filesystem as Docker's vfs driver applies layers: each
// whiteout (`.wh.NAME`) removes NAME from the layers below, an opaque marker (`.wh..wh..opq`) empties
// its folder of what lower layers put there, an entry replaces what was at its path unless both are
// folders, and owners, permission bits (set-id bits too) and times are restored. Names are resolved
// inside the root (scopedPath.ts), so links in a layer cannot lead a write out of it. Extended
// attributes (PAX `SCHILY.xattr.*`: file capabilities, user.*) are restored byte for byte with
// setfattr (Debian's `attr`), since Node has no call for them, after the owner and mode (chown
// clears security.capability).

import { createWriteStream } from 'node:fs';
import { chmod, chown, lchown, link, lstat, lutimes, mkdir, readdir, rm, symlink, utimes } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { decompressed } from '../archive/decompress';
import { verifiedBytes } from '../image/verifiedBytes';
import type { Layer } from '../image/image';
import { skipEntry, tarEntries } from '../archive/tarEntries';
import { StevedoreError, throwIfAborted } from '../errors';
import { PaxXattrTap, type Xattrs } from '../archive/paxXattrs';
import { cleanEntryPath, whiteoutMeaning } from '../layers/layerListing';
import { scopedPath } from './scopedPath';
import { inUserNamespace } from './userNamespace';

/** mknod and setfattr, for the few entries Node has no call for; child_process loads on first use. */
function run(file: string, args: readonly string[]): Promise<{ stdout: string; stderr: string }> {
  return promisify(process.getBuiltinModule('node:child_process').execFile)(file, args);
}

export interface UnpackOptions {
  /** Names the layer in messages. */
  what: string;
  signal?: AbortSignal;
}

/**
 * Unpacks an image's layer into `root`, from whatever source the image comes from: its stored
 * bytes are checked against the manifest's digest and size as they stream, so a layer that is not
 * what the image names fails the unpack (and the container is not made).
 */
export async function unpackImageLayer(layer: Layer, root: string, options: UnpackOptions): Promise<void> {
  const { what, signal } = options;
  const { descriptor, diffId } = layer;
  const stored = verifiedBytes(
    layer.compressed(signal ? { signal } : {}),
    descriptor,
    (why, mismatch) =>
      new StevedoreError(
        mismatch === 'size' ? 'SIZE_MISMATCH' : 'DIGEST_MISMATCH',
        `${what} is not the ${descriptor.digest} (${descriptor.size} bytes) its manifest gives: ${why}. Pull or load the image again ("stevedore system check" finds damaged blobs).`,
      ),
    signal,
  );
  // The content must also be what the config's diffID names: snapshots are shared between images
  // by chain IDs made of diffIDs, so a layer that lied about its diffID would stand in for another
  // image's layer (containerd refuses it on extraction too).
  if (diffId === null) {
    throw new StevedoreError('INVALID_ARCHIVE', `${what} has no diffID in its image config, so what it unpacks to cannot be checked. The image is corrupt; pull or load it again.`);
  }
  const content = verifiedBytes(
    decompressed(stored, what, { chunkSize: 1024 * 1024 }),
    { digest: diffId },
    (why) => new StevedoreError('DIGEST_MISMATCH', `${what} unpacks to content that is not the diffID ${diffId} its image config gives: ${why}. The image is corrupt or was tampered with; it was not used.`),
    signal,
  );
  await unpackLayer(content, root, options);
}

export async function unpackLayer(plainOrCompressed: AsyncIterable<Uint8Array>, root: string, options: UnpackOptions): Promise<void> {
  const inNamespace = inUserNamespace();
  const written = new Set<string>();
  const dirTimes: { path: string; mtime: Date }[] = [];
  const xattrTap = new PaxXattrTap();
  let entryIndex = -1;
  for await (const { header, body } of tarEntries(xattrTap.tap(plainOrCompressed), { what: options.what, ...(options.signal ? { signal: options.signal } : {}) })) {
    throwIfAborted(options.signal);
    entryIndex++;
    const xattrs = xattrTap.take(entryIndex);
    const rel = cleanEntryPath(header.name);
    if (rel === null) throw new StevedoreError('INVALID_ARCHIVE', `${options.what} has an entry that climbs out of its root: "${header.name}". Refusing it.`);
    if (rel === '') {
      await skipEntry(body);
      continue;
    }
    const meaning = whiteoutMeaning(rel);
    if (meaning.kind !== 'none') {
      await skipEntry(body);
      if (meaning.kind === 'whiteout') await rm(await scopedPath(root, meaning.path), { recursive: true, force: true });
      else if (meaning.kind === 'opaque') await emptyBelow(root, meaning.dir, written);
      continue;
    }
    const path = await scopedPath(root, rel);
    written.add(rel);
    await placeEntry(inNamespace, root, path, header, body, dirTimes);
    // Not on symbolic links: Linux keeps no user.* attributes there, and tar tools write none.
    if (xattrs && header.type !== 'symlink') await setXattrs(path, xattrs, rel, options.what);
  }
  // Folder times last: creating their children changed them.
  for (const { path, mtime } of dirTimes.reverse()) await utimes(path, mtime, mtime).catch(() => undefined);
}

async function placeEntry(
  userNamespace: boolean,
  root: string,
  path: string,
  header: { name: string; type?: string | null; mode?: number | null; uid?: number | null; gid?: number | null; mtime?: Date | null; linkname?: string | null; devmajor?: number | null; devminor?: number | null },
  body: AsyncIterable<Uint8Array>,
  dirTimes: { path: string; mtime: Date }[],
): Promise<void> {
  const existing = await lstat(path).catch(() => null);
  const type = header.type ?? 'file';
  if (existing && !(existing.isDirectory() && type === 'directory')) await rm(path, { recursive: true, force: true });
  await mkdir(dirname(path), { recursive: true });
  const mode = (header.mode ?? 0o644) & 0o7777;
  switch (type) {
    case 'directory':
      if (!existing?.isDirectory()) await mkdir(path, { mode: 0o700 });
      break;
    case 'file':
    case 'contiguous-file':
      await pipeline(Readable.from(body), createWriteStream(path, { mode: 0o600, highWaterMark: 1024 * 1024 }));
      break;
    case 'symlink':
      await skipEntry(body);
      await symlink(header.linkname ?? '', path);
      break;
    case 'link': {
      await skipEntry(body);
      const target = cleanEntryPath(header.linkname ?? '');
      if (!target) throw new StevedoreError('INVALID_ARCHIVE', `"${header.name}" is a hard link to "${header.linkname ?? ''}", which is outside the layer's root.`);
      await link(await scopedPath(root, target), path);
      break;
    }
    case 'character-device':
    case 'block-device':
    case 'fifo': {
      await skipEntry(body);
      // A user namespace may not make devices; Docker and podman leave them out there too (the
      // runtime binds the host's /dev nodes into the container's /dev).
      if (type !== 'fifo' && userNamespace) return;
      const kind = type === 'fifo' ? ['p'] : [type === 'character-device' ? 'c' : 'b', String(header.devmajor ?? 0), String(header.devminor ?? 0)];
      await run('mknod', [path, ...kind]);
      break;
    }
    default:
      // Sockets and unknown types cannot be unpacked; Docker skips them too.
      await skipEntry(body);
      return;
  }
  const uid = header.uid ?? 0;
  const gid = header.gid ?? 0;
  const mtime = header.mtime ?? new Date(0);
  const owned = (err: NodeJS.ErrnoException): never => {
    // EINVAL: the id is not mapped in this user namespace (beyond the user's subordinate range).
    if (err.code === 'EINVAL' && userNamespace) {
      throw new StevedoreError('ROOTLESS_UNAVAILABLE', `${header.name} belongs to ${uid}:${gid}, which the user namespace does not map: the range in /etc/subuid and /etc/subgid is too small. Give the user a range of at least 65536 ids (as root: usermod --add-subuids 100000-165535 --add-subgids 100000-165535 USER).`, { cause: err });
    }
    throw err;
  };
  if (type === 'symlink') {
    await lchown(path, uid, gid).catch(owned);
    await lutimes(path, mtime, mtime);
    return;
  }
  await chown(path, uid, gid).catch(owned);
  // After chown, which clears set-id bits.
  await chmod(path, mode);
  if (type === 'directory') dirTimes.push({ path, mtime });
  else await utimes(path, mtime, mtime);
}

async function setXattrs(path: string, xattrs: Xattrs, rel: string, what: string): Promise<void> {
  for (const [name, value] of xattrs) {
    // setfattr reads a 0x-prefixed value as hex: any bytes, and nothing for the shell to mangle.
    await run('setfattr', ['-n', name, '-v', `0x${value.toString('hex')}`, '--', path]).catch((err: NodeJS.ErrnoException & { stderr?: string }) => {
      if (err.code === 'ENOENT') throw new StevedoreError('RUNTIME_ERROR', `${what} has extended attributes (${name} on /${rel}), which need setfattr to be restored: install it (Debian: apt-get install attr).`, { cause: err });
      throw new StevedoreError('IO_ERROR', `Could not set the extended attribute ${name} on /${rel} of ${what}: ${(err.stderr ?? err.message).trim()}`, { cause: err });
    });
  }
}

/** An opaque marker: everything below `dir` that this layer did not itself put there goes. */
async function emptyBelow(root: string, dir: string, written: Set<string>): Promise<void> {
  const host = await scopedPath(root, dir);
  const walk = async (hostDir: string, rel: string): Promise<void> => {
    const names = await readdir(hostDir).catch(() => [] as string[]);
    for (const name of names) {
      const childRel = rel ? `${rel}/${name}` : name;
      const childHost = join(hostDir, name);
      if (!written.has(childRel)) {
        await rm(childHost, { recursive: true, force: true });
        continue;
      }
      const info = await lstat(childHost);
      if (info.isDirectory()) await walk(childHost, childRel);
    }
  };
  await walk(host, dir);
}

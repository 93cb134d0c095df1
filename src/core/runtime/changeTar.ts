// A container's changes as a layer tar, as moby's ExportChanges writes one: added and changed paths
// with the owner, permission bits, time, link target and kept extended attributes (PAX
// SCHILY.xattr.*) they have in the root filesystem (a second name of a file in the same layer as a
// hard link), deleted paths as `.wh.NAME` whiteout entries.

import { lstat, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { fileBytes } from '../archive/folderTar';
import { tarStream, type EntryHeader } from '../archive/tarWriter';
import { throwIfAborted } from '../errors';
import type { Change } from './changeSet';
import { tarXattrs } from './fileXattrs';

export function changeTar(root: string, changes: readonly Change[], options: { whiteoutTime?: Date; signal?: AbortSignal } = {}): AsyncGenerator<Uint8Array> {
  const whiteoutTime = options.whiteoutTime ?? new Date();
  return tarStream(async (writer) => {
    const seen = new Map<string, string>();
    for (const change of changes) {
      throwIfAborted(options.signal);
      if (change.kind === 'D') {
        const slash = change.path.lastIndexOf('/');
        const name = slash < 0 ? `.wh.${change.path}` : `${change.path.slice(0, slash)}/.wh.${change.path.slice(slash + 1)}`;
        // Permission bits 0, as Docker writes whiteouts; tar-stream would turn a mode of 0 into 0644,
        // but writes only the permission bits, so the file type bit keeps it from being "unset".
        await writer.add({ name, type: 'file', mode: 0o100000, mtime: whiteoutTime });
        continue;
      }
      const host = join(root, change.path);
      const info = await lstat(host);
      const xattrs = tarXattrs(change.xattrs);
      const base = { mode: info.mode & 0o7777, mtime: info.mtime, uid: info.uid, gid: info.gid, ...(xattrs ? { xattrs } : {}) };
      const inode = `${info.dev}:${info.ino}`;
      if (info.isDirectory()) {
        await writer.add({ ...base, name: `${change.path}/`, type: 'directory' });
        continue;
      }
      if (info.nlink > 1 && seen.has(inode)) {
        await writer.add({ ...base, name: change.path, type: 'link', linkname: seen.get(inode)! });
        continue;
      }
      if (info.nlink > 1) seen.set(inode, change.path);
      if (info.isFile()) {
        await writer.addStream({ ...base, name: change.path, type: 'file', size: info.size }, fileBytes(host, info.size), options.signal);
        continue;
      }
      let header: EntryHeader;
      if (info.isSymbolicLink()) {
        header = { ...base, name: change.path, type: 'symlink', linkname: await readlink(host) };
      } else if (info.isFIFO()) header = { ...base, name: change.path, type: 'fifo' };
      else if (info.isCharacterDevice() || info.isBlockDevice()) {
        header = { ...base, name: change.path, type: info.isCharacterDevice() ? 'character-device' : 'block-device', devmajor: (info.rdev >>> 8) & 0xfff, devminor: (info.rdev & 0xff) | ((info.rdev >>> 12) & 0xfff00) };
      } else continue; // sockets cannot be held by a tar
      await writer.add(header);
    }
  });
}

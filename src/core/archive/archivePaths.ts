// Paths inside an image archive. Names in a tar and paths in its manifest.json are attacker-controlled:
// they are normalised to plain relative paths (never used as file system paths), and the archive's
// symlinks and hard links are resolved inside the archive only, the way Docker's loader scopes them
// to its extraction folder, except that a link leading out is refused instead of being clamped.

import { StevedoreError } from '../errors';
import { checkEntryName } from './entryNames';

/** Symlink hops allowed while resolving one path (Linux allows 40). */
const MAX_HOPS = 40;

/**
 * "./blobs//sha256/x" → "blobs/sha256/x". Refuses absolute names, `..` and NUL bytes, naming the
 * entry. The archive root itself normalises to "".
 */
export function normaliseArchivePath(name: string, what: string): string {
  checkEntryName(name, what);
  return name
    .replace(/\\/g, '/')
    .split('/')
    .filter((part) => part !== '' && part !== '.')
    .join('/');
}

interface Link {
  kind: 'symlink' | 'hardlink';
  /** For a symlink the link text as written; for a hard link the normalised target path. */
  target: string;
}

/** The symlinks and hard links of one archive, and safe resolution of paths through them. */
export class ArchiveLinks {
  private readonly links = new Map<string, Link>();

  constructor(private readonly what: string) {}

  get size(): number {
    return this.links.size;
  }

  /** Records a symlink entry; one whose text leads out of the archive is refused at once. */
  addSymlink(entry: string, linkname: string): void {
    if (linkname === '' || linkname.includes('\0')) {
      throw new StevedoreError('INVALID_ARCHIVE', `${this.what} has a symlink "${entry}" with an empty or invalid target. Refusing it; nothing was loaded.`);
    }
    if (linkname.startsWith('/') || linkname.startsWith('\\')) {
      throw escape(this.what, entry, linkname);
    }
    // A lexical check catches the plain "../../etc/passwd"; resolve() also catches escapes that go
    // through other links.
    const parts = parentOf(entry);
    for (const part of linkname.replace(/\\/g, '/').split('/')) {
      if (part === '' || part === '.') continue;
      if (part === '..') {
        if (parts.length === 0) throw escape(this.what, entry, linkname);
        parts.pop();
      } else {
        parts.push(part);
      }
    }
    this.links.set(entry, { kind: 'symlink', target: linkname });
  }

  /** Records a hard link entry; tar stores its target as a path from the archive root. */
  addHardlink(entry: string, linkname: string): void {
    let target: string;
    try {
      target = normaliseArchivePath(linkname, this.what);
    } catch {
      throw escape(this.what, entry, linkname);
    }
    if (target === '' || target === entry) {
      throw new StevedoreError('INVALID_ARCHIVE', `${this.what} has a hard link "${entry}" to "${linkname}", which is not a file in the archive. Refusing it; nothing was loaded.`);
    }
    this.links.set(entry, { kind: 'hardlink', target });
  }

  /** Forgets a link when a later entry of the same name replaces it (tar semantics: last one wins). */
  delete(entry: string): void {
    this.links.delete(entry);
  }

  /**
   * Follows links in every component of `path` (already normalised), as the kernel would inside a
   * chroot at the archive root, and returns the path of the entry it names. Throws when a link leads
   * out of the archive, or when links loop.
   */
  resolve(path: string): string {
    let hops = 0;
    let pending = path.split('/').filter((p) => p !== '');
    const done: string[] = [];
    while (pending.length > 0) {
      const part = pending.shift()!;
      if (part === '.') continue;
      if (part === '..') {
        if (done.length === 0) {
          throw new StevedoreError('INVALID_ARCHIVE', `${this.what}: the path "${path}" leads out of the archive. Refusing it; nothing was loaded.`);
        }
        done.pop();
        continue;
      }
      const here = [...done, part].join('/');
      const link = this.links.get(here);
      if (!link) {
        done.push(part);
        continue;
      }
      if (++hops > MAX_HOPS) {
        throw new StevedoreError('INVALID_ARCHIVE', `${this.what}: too many levels of links while resolving "${path}" (a link loop at "${here}"). Refusing it; nothing was loaded.`);
      }
      if (link.kind === 'hardlink') {
        done.length = 0;
        pending = [...link.target.split('/'), ...pending];
      } else {
        const text = link.target.replace(/\\/g, '/');
        // The lexical check in addSymlink refused absolute targets; resolve relative to the link's folder.
        pending = [...text.split('/'), ...pending];
      }
    }
    return done.join('/');
  }
}

function parentOf(entry: string): string[] {
  const parts = entry.split('/').filter((p) => p !== '');
  parts.pop();
  return parts;
}

function escape(what: string, entry: string, linkname: string): StevedoreError {
  return new StevedoreError(
    'INVALID_ARCHIVE',
    `${what} has a link "${entry}" that points outside the archive ("${linkname}"). Refusing it: archives must not reach outside themselves. Nothing was loaded.`,
  );
}

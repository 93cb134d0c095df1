// The extended attributes a container's layer carries, read from its root filesystem with one
// `getfattr -R` (Debian's `attr`; Node has no call for them). Kept are those the layers of buildah
// and podman keep (containers/storage): file capabilities (security.capability, which Docker keeps
// too) and user.*, except overlayfs's own user.overlay.* (what it writes in a user namespace).
// Without getfattr no attributes are seen, so none are carried: the same as before they were.

import { spawn } from 'node:child_process';
import { CancelledError, StevedoreError } from '../errors';

/** Attribute name → its value as hex. */
export type XattrValues = Record<string, string>;

/** getfattr's -m: a regular expression of the names to list (its default lists only user.*). */
const LISTED = '^(user\\.|security\\.capability$)';

export function keptXattr(name: string): boolean {
  return (name === 'security.capability' || name.startsWith('user.')) && !name.startsWith('user.overlay.');
}

/** Path relative to `root` (no leading slash) → its kept attributes, for every entry below `root` that has any. */
export async function xattrsBelow(root: string, signal?: AbortSignal): Promise<Map<string, XattrValues>> {
  // -P/-h: links are not followed; -e hex: values as bytes; C locale: names as bytes, escaped in octal.
  const output = await getfattr(['-R', '-P', '-h', '-d', '-m', LISTED, '-e', 'hex', '--absolute-names', '--', root], signal);
  const found = new Map<string, XattrValues>();
  const prefix = `${root.replace(/\/+$/, '')}/`;
  let current: XattrValues | undefined;
  for (const line of output.split('\n')) {
    if (line.startsWith('# file: ')) {
      const path = unescaped(line.slice('# file: '.length));
      current = undefined;
      if (!path.startsWith(prefix)) continue;
      current = {};
      found.set(path.slice(prefix.length), current);
      continue;
    }
    const eq = line.lastIndexOf('=0x');
    if (!current || eq < 0) continue;
    const name = unescaped(line.slice(0, eq));
    if (keptXattr(name)) current[name] = line.slice(eq + 3);
  }
  for (const [path, values] of found) if (Object.keys(values).length === 0) found.delete(path);
  return found;
}

/**
 * The attributes as a tar entry carries them (PAX SCHILY.xattr.*). A version 3 file capability
 * (one with the root id of the user namespace it was set in) is written as version 2, as moby and
 * containers/storage write it: the root id means nothing where the layer is unpacked.
 */
export function tarXattrs(values: XattrValues | undefined): Map<string, Buffer> | undefined {
  if (!values) return undefined;
  const out = new Map<string, Buffer>();
  for (const name of Object.keys(values).sort()) {
    let value = Buffer.from(values[name]!, 'hex');
    if (name === 'security.capability' && value.length > 20 && value[3] === 3) {
      value = Buffer.from(value.subarray(0, 20));
      value[3] = 2;
    }
    out.set(name, value);
  }
  return out.size ? out : undefined;
}

export function sameXattrs(a: XattrValues | undefined, b: XattrValues | undefined): boolean {
  const ak = Object.keys(a ?? {});
  if (ak.length !== Object.keys(b ?? {}).length) return false;
  return ak.every((k) => a![k] === b?.[k]);
}

/** getfattr writes names as bytes with \ooo escapes (for \, =, control characters); back to the name. */
function unescaped(quoted: string): string {
  return Buffer.from(quoted.replace(/\\([0-7]{3})/g, (_m, octal: string) => String.fromCharCode(parseInt(octal, 8))), 'latin1').toString('utf8');
}

async function getfattr(args: string[], signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('getfattr', args, { env: { ...process.env, LC_ALL: 'C' }, stdio: ['ignore', 'pipe', 'pipe'], ...(signal ? { signal } : {}) });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') resolve('');
      else if (signal?.aborted) reject(new CancelledError());
      else reject(new StevedoreError('IO_ERROR', `Could not read extended attributes with getfattr: ${e.message}`, { cause: e }));
    });
    child.once('close', (code) => {
      if (signal?.aborted) return reject(new CancelledError());
      // A file system without extended attributes is a file without any, not a failure.
      const problems = err.split('\n').filter((l) => l.trim() && !/Operation not supported/.test(l));
      if (code !== 0 && problems.length) return reject(new StevedoreError('IO_ERROR', `Could not read extended attributes with getfattr: ${problems.join('; ')}`));
      resolve(Buffer.concat(out).toString('latin1'));
    });
  });
}

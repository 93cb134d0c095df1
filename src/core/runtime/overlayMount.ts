// Kernel overlayfs mounts through mount(8)/umount(8) (Node has no mount(2)). Lower folders are
// given relative to `cwd` so that a long chain fits the one page the kernel takes for options.

import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { StevedoreError, errorMessage } from '../errors';
import { inUserNamespace } from './userNamespace';

/**
 * mount(8) and umount(8). child_process is loaded on the first call: garbage collection reaches
 * this file (container records), and a pull or rmi that finds no container should not pay for it.
 */
function exec(file: string, args: readonly string[], options: { cwd?: string } = {}): Promise<{ stdout: string; stderr: string }> {
  return promisify(process.getBuiltinModule('node:child_process').execFile)(file, args, options);
}

/** The kernel's limit on mount options is a page; leave room for upper and work. */
const MAX_OPTIONS = 4000;

export interface OverlaySpec {
  /** Top-most first, relative to `cwd` (or absolute). */
  lowers: readonly string[];
  upper: string;
  work: string;
  target: string;
  cwd: string;
}

export function overlayOptions(spec: OverlaySpec): string {
  return `lowerdir=${spec.lowers.join(':')},upperdir=${spec.upper},workdir=${spec.work}${namespaceOptions()}`;
}

/**
 * In a user namespace (kernel 5.11 and later) overlayfs keeps its own attributes (opaque folders,
 * origins) as user.overlay.* instead of trusted.overlay.*, which only the first namespace's root
 * may write: the `userxattr` option, as podman's native rootless overlay mounts.
 */
function namespaceOptions(): string {
  return inUserNamespace() ? ',userxattr' : '';
}

export function fitsOverlay(spec: OverlaySpec): boolean {
  return overlayOptions(spec).length <= MAX_OPTIONS && spec.lowers.length <= 500;
}

export async function mountOverlay(spec: OverlaySpec): Promise<void> {
  try {
    await exec('mount', ['-t', 'overlay', 'overlay', '-o', overlayOptions(spec), spec.target], { cwd: spec.cwd });
  } catch (err) {
    throw new StevedoreError('RUNTIME_ERROR', `Could not mount the container's root filesystem (overlay on ${spec.target}): ${errorMessage(err).trim()}`, { cause: err });
  }
}

/** Unmounts; a lazy unmount when something still holds it, so that nothing stays mounted. */
export async function unmount(target: string): Promise<void> {
  try {
    await exec('umount', [target]);
  } catch {
    await exec('umount', ['-l', target]).catch(() => undefined);
  }
}

export async function isMounted(target: string): Promise<boolean> {
  return (await mountsBelow(target)).includes(target);
}

/** Mount points at or below `dir` in this mount namespace (/proc/self/mountinfo, octal escapes undone), deepest first. */
export async function mountsBelow(dir: string): Promise<string[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const field = line.split(' ')[4];
    if (!field) continue;
    const point = field.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));
    if (point === dir || point.startsWith(`${dir}/`)) out.push(point);
  }
  return out.sort((a, b) => b.length - a.length);
}

/**
 * Whether this process may mount overlayfs with upper folders in `dir` (root, or root in a user
 * namespace with a mount namespace of its own on a kernel that allows overlay there; a kernel with
 * overlay; a file system that takes an upper). Asked once per container made: a mount is cheap.
 */
export async function overlaySupported(dir: string): Promise<boolean> {
  if (process.getuid?.() !== 0) return false;
  await mkdir(dir, { recursive: true });
  const probe = await mkdtemp(join(dir, `${PROBE_PREFIX}${process.pid}-`));
  try {
    for (const d of ['l', 'u', 'w', 'm']) await mkdir(join(probe, d));
    await writeFile(join(probe, 'l', 'f'), '');
    await exec('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=l,upperdir=u,workdir=w${namespaceOptions()}`, 'm'], { cwd: probe });
    await unmount(join(probe, 'm'));
    return true;
  } catch {
    return false;
  } finally {
    await rm(probe, { recursive: true, force: true });
  }
}

export const PROBE_PREFIX = 'probe-';

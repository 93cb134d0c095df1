// The build context as COPY sees it: `.dockerignore` patterns (moby's patternmatcher rules: Go's
// filepath.Match per segment plus `**` — reference/pathGlob.ts — `!` exceptions, the last matching
// pattern wins, a match on a directory covers what is inside), and source patterns resolved to
// files that never leave the context folder.

import type { Stats } from 'node:fs';
import { lstat, readdir, readFile, realpath, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { StevedoreError, throwIfAborted } from '../errors';
import { compileGlob, matchGlob } from '../reference/pathGlob';
import { resolvedInRoot } from '../runtime/scopedPath';

type Glob = ReturnType<typeof compileGlob>;

export interface IgnoreMatcher {
  /** Whether .dockerignore leaves this path (relative, "/"-separated) out of the context. */
  excludes(relPath: string): boolean;
  /** Whether some `!` pattern may bring back something inside an excluded directory. */
  readonly hasExceptions: boolean;
}

export async function readDockerignore(context: string): Promise<IgnoreMatcher> {
  const text = await readFile(join(context, '.dockerignore'), 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return '';
    throw err;
  });
  return ignoreMatcher(text);
}

export function ignoreMatcher(text: string): IgnoreMatcher {
  const rules: { exception: boolean; glob: Glob }[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const exception = line.startsWith('!');
    if (exception) line = line.slice(1).trim();
    const cleaned = posix.normalize(line).replace(/^\/+/, '').replace(/\/+$/, '');
    if (!cleaned || cleaned === '.') continue;
    rules.push({ exception, glob: compileGlob(cleaned, { doubleStar: true, what: '.dockerignore pattern' }) });
  }
  const hasExceptions = rules.some((r) => r.exception);
  const excludes = (relPath: string): boolean => {
    // A pattern that matches a parent directory excludes (or re-includes) what is below it.
    const parts = relPath.split('/');
    let excluded = false;
    for (const rule of rules) {
      for (let n = 1; n <= parts.length; n++) {
        if (matchGlob(rule.glob, parts.slice(0, n).join('/'))) {
          excluded = !rule.exception;
          break;
        }
      }
    }
    return excluded;
  };
  return { excludes, hasExceptions };
}

const NOTHING_IGNORED: IgnoreMatcher = { excludes: () => false, hasExceptions: false };

export function hasWildcard(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}

export interface ContextSource {
  /** Path relative to the context, "/"-separated; "" for the context itself. */
  rel: string;
  abs: string;
  info: Stats;
}

/**
 * Where COPY reads from: the build context (the default), or for `COPY --from` the root filesystem
 * of a stage or image (`inRoot`: symbolic links are followed inside that root, as Docker's
 * FollowSymlinkInScope does, so `/bin/sh -> /bin/busybox` means the image's busybox).
 */
export interface SourceRoot {
  inRoot?: { what: string };
}

/**
 * What a COPY source names: one path, or the paths a wildcard matches, each checked to stay inside
 * the context and not excluded by .dockerignore. Top-level symlinks are followed, as Docker does.
 */
export async function resolveSource(context: string, source: string, ignore: IgnoreMatcher, signal?: AbortSignal, from: SourceRoot = {}): Promise<ContextSource[]> {
  const normal = posix.normalize(source.replace(/^\/+/, ''));
  if (!from.inRoot && (normal === '..' || normal.startsWith('../'))) {
    throw new StevedoreError('INVALID_ARGUMENT', `COPY failed: forbidden path outside the build context: "${source}".`);
  }
  const cleaned = normal === '.' || normal === '..' || normal.startsWith('../') ? '' : normal;
  const root = await realpath(context);
  const located = async (rel: string): Promise<{ abs: string; info: Stats | null }> => {
    if (!from.inRoot) return { abs: join(context, rel), info: await stat(join(context, rel)).catch(() => null) };
    const abs = await resolvedInRoot(context, rel);
    return { abs, info: await lstat(abs).catch(() => null) };
  };
  if (!hasWildcard(cleaned)) {
    const rel = cleaned.replace(/\/+$/, '');
    const { abs, info } = await located(rel);
    if (from.inRoot && !info) throw new StevedoreError('INVALID_ARGUMENT', `COPY failed: "${source}" not found in ${from.inRoot.what}.`);
    if (!info || (rel && ignore.excludes(rel))) {
      throw new StevedoreError('INVALID_ARGUMENT', `COPY failed: file not found in build context or excluded by .dockerignore: "${source}".`);
    }
    if (!from.inRoot) await checkInside(root, abs, source);
    return [{ rel, abs, info }];
  }
  const glob = compileGlob(cleaned.replace(/\/+$/, ''), { doubleStar: true, what: 'COPY source pattern' });
  const depth = cleaned.split('/').length;
  const found: ContextSource[] = [];
  await walk(context, '', depth, ignore, signal, async (rel, abs) => {
    if (!matchGlob(glob, rel)) return;
    if (from.inRoot) {
      const inside = await located(rel);
      if (inside.info) found.push({ rel, abs: inside.abs, info: inside.info });
      return;
    }
    await checkInside(root, abs, rel);
    found.push({ rel, abs, info: await stat(abs) });
  });
  if (found.length === 0) throw new StevedoreError('INVALID_ARGUMENT', `COPY failed: no source files were specified: nothing in ${from.inRoot?.what ?? 'the build context'} matches "${source}".`);
  return found.sort((a, b) => Buffer.compare(Buffer.from(a.rel), Buffer.from(b.rel)));
}

/** A source is followed if it is a symbolic link, as Docker does; where it leads must be in the context. */
async function checkInside(root: string, abs: string, source: string): Promise<void> {
  const real = await realpath(abs);
  if (real !== root && !real.startsWith(`${root}/`)) {
    throw new StevedoreError('INVALID_ARGUMENT', `COPY failed: "${source}" is a symbolic link that leads outside the build context.`);
  }
}

/** Everything under a directory source, in byte order, without what .dockerignore excludes. */
export async function listTree(context: string, dir: ContextSource, ignore: IgnoreMatcher, signal?: AbortSignal, from: SourceRoot = {}): Promise<{ rel: string; abs: string; info: Stats }[]> {
  const out: { rel: string; abs: string; info: Stats }[] = [];
  if (from.inRoot) {
    // The folder as resolved inside the root (it may be reached through a link); nothing is ignored there.
    await walk(dir.abs, '', Infinity, NOTHING_IGNORED, signal, async (rel, abs, info) => void out.push({ rel, abs, info }));
    return out;
  }
  await walk(context, dir.rel, Infinity, ignore, signal, async (rel, abs, info) => {
    out.push({ rel: dir.rel ? rel.slice(dir.rel.length + 1) : rel, abs, info });
  });
  return out;
}

async function walk(
  context: string,
  prefix: string,
  depth: number,
  ignore: IgnoreMatcher,
  signal: AbortSignal | undefined,
  visit: (rel: string, abs: string, info: Stats) => Promise<void>,
): Promise<void> {
  if (depth <= 0) return;
  const names = (await readdir(join(context, prefix))).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  for (const name of names) {
    throwIfAborted(signal);
    const rel = prefix ? `${prefix}/${name}` : name;
    const excluded = ignore.excludes(rel);
    // An excluded directory is still looked into when a `!` pattern may bring back part of it.
    if (excluded && !ignore.hasExceptions) continue;
    const abs = join(context, rel);
    const info = await lstat(abs);
    if (!excluded) await visit(rel, abs, info);
    if (info.isDirectory()) await walk(context, rel, depth - 1, ignore, signal, visit);
  }
}

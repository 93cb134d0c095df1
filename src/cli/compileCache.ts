// Loads the CLI's bundle through V8's code cache, so that a command does not compile 1.7 MB of
// JavaScript on every run (most of what a quick command like `images` used to spend before its
// first byte). Node 22.1+ has this built in (module.enableCompileCache); on Node 20 the bundle is
// compiled with vm.Script and cachedData, and the code V8 produced during the run is written back
// when the process exits, so the next run also skips compiling the functions that run needed.
// The cache lives under the user's cache folder, is keyed by the bundle's build ID and Node's
// version, and is only an accelerator: a missing, stale, rejected or unwritable cache costs
// nothing but the compile it would have saved.

import { isAscii } from 'node:buffer';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { Script } from 'node:vm';
import { userCacheDir } from '../core/userCacheDir';

/** Where compiled code is kept: $XDG_CACHE_HOME/stevedore/v8 or ~/.cache/stevedore/v8; undefined when turned off. */
export function compileCacheDir(env: NodeJS.ProcessEnv): string | undefined {
  if (env.NODE_DISABLE_COMPILE_CACHE || env.STEVEDORE_NO_COMPILE_CACHE) return undefined;
  return join(userCacheDir(env), 'stevedore', 'v8');
}

/**
 * The file the Node 20 path keeps one bundle's code in. V8 caches the functions a run compiled,
 * so each command (`variant`) gets its own file: `images` then never waits for code only `pull` ran.
 * Names start with the bundle's place (`prefix`), so that two installs (a global one, a checkout)
 * keep their own files, and a rebuild replaces only its own predecessor's.
 */
export function cacheFileFor(dir: string, bundle: string, buildId: string, variant: string): { file: string; prefix: string; current: string } {
  const prefix = `${basename(bundle, '.js')}-${fnv1a(bundle)}-`;
  const current = `${prefix}${buildId}-${process.version}-${process.arch}-`;
  return { file: join(dir, `${current}${variant}.bin`), prefix, current };
}

/** The command word of a stevedore command line (`image` for `--store X image ls`), as a file-name part. */
export function commandVariant(argv: readonly string[]): string {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--store') {
      i++;
      continue;
    }
    if (arg.startsWith('-')) continue;
    const word = arg.toLowerCase().replace(/[^a-z0-9_-]/g, '').slice(0, 24);
    return word || 'other';
  }
  return 'none';
}

/**
 * Runs the CommonJS `bundle` as `require` would, through the compile cache in `dir` when there is
 * one. `buildIds` holds the bundle's build ID under `name`, and one for each vendor file it may
 * require (`./vendor/NAME.js`, scripts/build.mjs): those go through the cache too, under theirs.
 */
export function loadThroughCompileCache(bundle: string, dir: string | undefined, buildIds: Readonly<Record<string, string>>, name: string, variant = 'default'): void {
  const builtIn = (Module as unknown as { enableCompileCache?: (dir: string) => unknown }).enableCompileCache;
  if (dir && typeof builtIn === 'function') {
    try {
      builtIn(dir);
    } catch {
      // A cache Node cannot open is only a slower start.
    }
  }
  if (!dir || typeof builtIn === 'function') {
    createRequire(__filename)(bundle);
    return;
  }
  // A vendor file is run once, on its first require, through the cache like the bundle; as Node's
  // require would, later requires get the same exports.
  const vendors = new Map<string, unknown>();
  const plain = createRequire(bundle);
  const vendorRequire = Object.assign((id: string): unknown => {
    const vendor = /^\.\/vendor\/([a-z0-9-]+)\.js$/.exec(id)?.[1];
    const vendorId = vendor === undefined ? undefined : buildIds[`vendor/${vendor}`];
    if (vendorId === undefined) return plain(id);
    if (!vendors.has(id)) vendors.set(id, runCached(join(dirname(bundle), id), dir, vendorId, variant, plain));
    return vendors.get(id);
  }, plain);
  runCached(bundle, dir, buildIds[name]!, variant, vendorRequire as NodeJS.Require);
}

/** Runs one CommonJS file with `require` through the cache file of `variant`; returns its exports. */
function runCached(file: string, dir: string, buildId: string, variant: string, require: NodeJS.Require): unknown {
  const { file: cacheFile, prefix, current } = cacheFileFor(dir, file, buildId, variant);
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    // First run with this build: compiled from source, cached at exit.
  }
  const source = bundleSource(readFileSync(file));
  const script = new Script(Module.wrap(source), { filename: file, ...(cachedData ? { cachedData } : {}) });
  if (!cachedData || script.cachedDataRejected) process.once('exit', () => writeCache(script, cacheFile, prefix, current));
  const module = { exports: {}, filename: file, id: file, loaded: false, children: [], paths: [] };
  const run = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: unknown, filename: string, dirname: string) => void;
  run(module.exports, require, module, file, dirname(file));
  return module.exports;
}

/**
 * The bundle's text. The build writes it in ASCII (scripts/build.mjs), which V8 keeps one byte per
 * character and Node copies without decoding (under 1 ms for 3 MB); a single non-ASCII character
 * would make it a UTF-8 decode into a two-byte string, 8-12 ms of every command's start-up.
 */
export function bundleSource(bytes: Buffer): string {
  return isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
}

/**
 * Writes what V8 compiled during this run; atomic, so a concurrent run reads the old file or the
 * new one. Files of other builds or Node versions of the same bundle file go: each rebuild would
 * otherwise leave a set behind.
 */
function writeCache(script: Script, cacheFile: string, bundlePrefix: string, currentPrefix: string): void {
  try {
    const data = script.createCachedData();
    const dir = dirname(cacheFile);
    mkdirSync(dir, { recursive: true });
    for (const name of readdirSync(dir)) {
      if (name.startsWith(bundlePrefix) && !name.startsWith(currentPrefix) && name.endsWith('.bin')) rmSync(join(dir, name), { force: true });
    }
    const temporary = `${cacheFile}.${process.pid}.tmp`;
    writeFileSync(temporary, data, { mode: 0o600 });
    renameSync(temporary, cacheFile);
  } catch {
    // Read-only or full: the next run compiles again.
  }
}

/** FNV-1a of a path, 8 hex digits: enough to tell installs apart, without loading node:crypto. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

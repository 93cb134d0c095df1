// A real Debian root filesystem for the layer tests and benchmark: `debootstrap --variant=minbase
// bookworm` from the mirror apt already uses, packed with GNU tar as a .tar.gz (about 90 MB, 200 MB
// unpacked, 6,800 entries with device nodes, hard links and symlinks). debootstrap takes about a
// minute, so the tarball is kept in ${XDG_CACHE_HOME:-~/.cache}/stevedore-test/ and made only when
// missing. Needs root (debootstrap creates device nodes) and the `debootstrap` package.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

const SUITE = 'bookworm';
const FALLBACK_MIRROR = 'http://deb.debian.org/debian';

export function testCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME?.startsWith('/') ? env.XDG_CACHE_HOME : join(homedir(), '.cache');
  return join(base, 'stevedore-test');
}

/** The path of the cached Debian rootfs tarball, made first when missing. */
export async function debianRootfsTarball(log: (line: string) => void = () => undefined): Promise<string> {
  const dir = testCacheDir();
  const target = join(dir, `debian-${SUITE}-minbase.tar.gz`);
  if (existsSync(target)) return target;
  await mkdir(dir, { recursive: true });
  // Working inside the cache folder keeps the final rename on one file system.
  const work = await mkdtemp(join(dir, 'work-'));
  try {
    const mirror = await aptMirror();
    const root = join(work, 'root');
    log(`debootstrap --variant=minbase ${SUITE} ${root} ${mirror} (about a minute; cached in ${dir} afterwards)`);
    await run('debootstrap', ['--variant=minbase', SUITE, root, mirror]);
    const partial = join(work, 'rootfs.tar.gz');
    await run('tar', ['--numeric-owner', '-C', root, '-czf', partial, '.']);
    // Renamed into place whole, so a killed run never leaves a truncated tarball behind.
    await rename(partial, target);
    return target;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The Debian mirror apt is configured with (deb822 `.sources` files, then sources.list). */
export async function aptMirror(): Promise<string> {
  const candidates: string[] = [];
  const sourcesDir = '/etc/apt/sources.list.d';
  for (const name of (await readdir(sourcesDir).catch(() => [] as string[])).sort()) {
    if (!name.endsWith('.sources')) continue;
    const text = await readFile(join(sourcesDir, name), 'utf8').catch(() => '');
    for (const stanza of text.split(/\n\s*\n/)) {
      const field = (key: string): string[] => new RegExp(`^${key}:\\s*(.+)$`, 'mi').exec(stanza)?.[1]?.trim().split(/\s+/) ?? [];
      if (field('Types').includes('deb') && field('Suites').includes(SUITE)) candidates.push(...field('URIs'));
    }
  }
  const list = await readFile('/etc/apt/sources.list', 'utf8').catch(() => '');
  for (const line of list.split('\n')) {
    const m = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line.trim());
    if (m && m[2] === SUITE) candidates.push(m[1]!);
  }
  return candidates.find((uri) => /^https?:\/\//.test(uri) && !uri.includes('security')) ?? FALLBACK_MIRROR;
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const err: Buffer[] = [];
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', (e) => reject(new Error(`${cmd} could not start (${e.message}); install it (apt-get install -y ${cmd === 'debootstrap' ? 'debootstrap' : cmd})`)));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}: ${Buffer.concat(err).toString().slice(-2000)}`))));
  });
}

// Docker Hub mirrors, read where Docker and podman keep them, so a machine set up for either pulls
// Hub images through the same mirrors:
//   - `registry-mirrors` in Docker's daemon.json (URLs: "https://mirror.example.com");
//   - `[[registry.mirror]]` under the `[[registry]]` whose prefix (or location) is docker.io in
//     containers' registries.conf (v2 TOML), and in the registries.conf.d/*.conf drop-ins beside it.
// Only the TOML this needs is read (tables, arrays of tables, string and boolean values, arrays
// skipped): a general TOML parser would be a dependency for five keys. A mirror location with a
// path (a namespace on the mirror) is not supported and is left out.

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StevedoreError } from '../errors';
import { homeOf } from './dockerConfig';

export interface Mirror {
  /** host[:port] */
  host: string;
  /** registries.conf's `insecure = true`: plain HTTP or an unverified certificate allowed. */
  insecure: boolean;
  /** Where it was configured, for messages. */
  source: string;
}

export interface MirrorFiles {
  /** Docker's daemon.json (default /etc/docker/daemon.json; STEVEDORE_DOCKER_DAEMON_JSON). */
  daemonJson: string;
  /** registries.conf files in the order read; drop-ins come after their main file. */
  registriesConf: string[];
}

const HUB_NAMES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/** Where the mirrors are read from, honouring the environment's overrides (tests, unusual setups). */
export async function mirrorFiles(env: NodeJS.ProcessEnv): Promise<MirrorFiles> {
  const daemonJson = env.STEVEDORE_DOCKER_DAEMON_JSON || '/etc/docker/daemon.json';
  let main: string;
  if (env.STEVEDORE_REGISTRIES_CONF) main = env.STEVEDORE_REGISTRIES_CONF;
  else {
    // As containers/image: the user's file replaces the system one when it exists.
    const user = join(env.XDG_CONFIG_HOME || join(homeOf(env), '.config'), 'containers', 'registries.conf');
    main = (await readFile(user).then(() => true, () => false)) ? user : '/etc/containers/registries.conf';
  }
  const dropIns = await readdir(`${main}.d`).then(
    (names) => names.filter((n) => n.endsWith('.conf')).sort().map((n) => join(`${main}.d`, n)),
    () => [],
  );
  return { daemonJson, registriesConf: [main, ...dropIns] };
}

/** Docker Hub's mirrors, daemon.json's first, each host once. A file that is missing adds none; one that cannot be read as its format is an error naming it. */
export async function hubMirrors(files: MirrorFiles): Promise<Mirror[]> {
  const out: Mirror[] = [];
  const add = (mirror: Mirror | undefined): void => {
    if (mirror && !out.some((m) => m.host === mirror.host)) out.push(mirror);
  };
  const daemon = await readOptional(files.daemonJson);
  if (daemon !== undefined) {
    let parsed: { 'registry-mirrors'?: unknown };
    try {
      parsed = JSON.parse(daemon) as typeof parsed;
    } catch (err) {
      throw new StevedoreError('INVALID_ARGUMENT', `${files.daemonJson} is not valid JSON (${(err as Error).message}); fix it or point STEVEDORE_DOCKER_DAEMON_JSON elsewhere.`);
    }
    const list = Array.isArray(parsed['registry-mirrors']) ? parsed['registry-mirrors'] : [];
    for (const entry of list) if (typeof entry === 'string') add(mirrorFromUrl(entry, files.daemonJson));
  }
  for (const file of files.registriesConf) {
    const text = await readOptional(file);
    if (text === undefined) continue;
    for (const registry of parseRegistriesConf(text, file)) {
      const name = (registry.prefix ?? registry.location ?? '').replace(/\/+$/, '');
      if (!HUB_NAMES.has(name)) continue;
      for (const mirror of registry.mirrors) {
        const location = mirror.location?.replace(/\/+$/, '');
        if (!location || location.includes('/')) continue;
        add({ host: location.toLowerCase(), insecure: mirror.insecure === true, source: file });
      }
    }
  }
  return out;
}

function mirrorFromUrl(url: string, source: string): Mirror | undefined {
  try {
    const parsed = new URL(/^[a-z]+:\/\//i.test(url) ? url : `https://${url}`);
    if (parsed.pathname !== '/' && parsed.pathname !== '') return undefined;
    return { host: parsed.host.toLowerCase(), insecure: parsed.protocol === 'http:', source };
  } catch {
    return undefined;
  }
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw err;
  }
}

interface ConfRegistry {
  prefix?: string;
  location?: string;
  mirrors: { location?: string; insecure?: boolean }[];
}

/** The `[[registry]]` and `[[registry.mirror]]` tables of a registries.conf; everything else is passed over. */
export function parseRegistriesConf(text: string, file = 'registries.conf'): ConfRegistry[] {
  const registries: ConfRegistry[] = [];
  let target: Record<string, unknown> | undefined;
  let depth = 0; // inside a multi-line array that is being skipped
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = stripComment(raw).trim();
    if (depth > 0) {
      depth += bracketBalance(line);
      continue;
    }
    if (line === '') continue;
    if (line.startsWith('[')) {
      const header = /^\[\[\s*([A-Za-z0-9_.-]+)\s*\]\]$/.exec(line) ?? /^\[\s*([A-Za-z0-9_."-]+)\s*\]$/.exec(line);
      if (!header) throw new StevedoreError('INVALID_ARGUMENT', `${file}:${i + 1}: cannot read the table header ${JSON.stringify(line)}.`);
      const name = header[1]!;
      const arrayOfTables = line.startsWith('[[');
      if (arrayOfTables && name === 'registry') {
        const registry: ConfRegistry = { mirrors: [] };
        registries.push(registry);
        target = registry as unknown as Record<string, unknown>;
      } else if (arrayOfTables && name === 'registry.mirror') {
        const current = registries[registries.length - 1];
        if (!current) throw new StevedoreError('INVALID_ARGUMENT', `${file}:${i + 1}: [[registry.mirror]] comes before any [[registry]].`);
        const mirror = {};
        current.mirrors.push(mirror);
        target = mirror;
      } else {
        target = undefined; // another table ([registries.search], [aliases], …): not needed here
      }
      continue;
    }
    const pair = /^([A-Za-z0-9_-]+|"[^"]*")\s*=\s*(.*)$/.exec(line);
    if (!pair) throw new StevedoreError('INVALID_ARGUMENT', `${file}:${i + 1}: cannot read ${JSON.stringify(line)}.`);
    const key = pair[1]!.replace(/^"|"$/g, '');
    const value = pair[2]!;
    if (value.startsWith('[')) {
      depth = bracketBalance(value);
      continue;
    }
    if (!target) continue;
    if (value === 'true' || value === 'false') target[key] = value === 'true';
    else if (/^"(?:[^"\\]|\\.)*"$/.test(value)) target[key] = JSON.parse(value) as string;
    else if (/^'[^']*'$/.test(value)) target[key] = value.slice(1, -1);
  }
  return registries;
}

function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#') return line.slice(0, i);
  }
  return line;
}

function bracketBalance(text: string): number {
  let balance = 0;
  let quote: string | undefined;
  for (const c of text) {
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[') balance++;
    else if (c === ']') balance--;
  }
  return balance;
}

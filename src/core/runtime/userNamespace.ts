// Containers without root, as podman runs them: the process that prepares root filesystems and
// runs the OCI runtime lives in a user namespace where it is root, with the user's own uid and gid
// as 0 and the user's subordinate ranges (/etc/subuid, /etc/subgid) as 1…N. Inside it, chown to
// an image's owners works, runc runs as it does for root (cgroups aside), and every file it writes
// is owned outside by the user or by one of the user's subordinate ids. The mapping is written by
// the setuid helpers newuidmap/newgidmap (Debian's `uidmap`); util-linux's `unshare` runs them.
//
// This file says whether this process may run containers (root, or root in such a namespace),
// what is missing when it may not, and the command that starts a process inside one.

import { readFileSync } from 'node:fs';
import { access, constants, readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { delimiter, join } from 'node:path';
import { StevedoreError } from '../errors';

export type ContainerPrivileges = 'root' | 'user-namespace' | 'none';

/** True when this process runs in a user namespace other than the first (a mapping that is not the identity of all ids). */
export function inUserNamespace(): boolean {
  let text: string;
  try {
    text = readFileSync('/proc/self/uid_map', 'utf8');
  } catch {
    return false;
  }
  const lines = text.trim().split('\n').map((l) => l.trim().split(/\s+/));
  return !(lines.length === 1 && lines[0]![0] === '0' && lines[0]![1] === '0' && lines[0]![2] === '4294967295');
}

export function containerPrivileges(): ContainerPrivileges {
  if (process.getuid?.() !== 0) return 'none';
  return inUserNamespace() ? 'user-namespace' : 'root';
}

export interface SubordinateRange {
  start: number;
  count: number;
}

/** The first range /etc/subuid (or /etc/subgid) gives the user, by name or by number. */
export async function subordinateRange(file: string, user: string, id: number): Promise<SubordinateRange | undefined> {
  const text = await readFile(file, 'utf8').catch(() => '');
  for (const line of text.split('\n')) {
    const [who, start, count] = line.trim().split(':');
    if ((who === user || who === String(id)) && /^\d+$/.test(start ?? '') && /^[1-9]\d*$/.test(count ?? '')) return { start: Number(start), count: Number(count) };
  }
  return undefined;
}

export interface RootlessSetup {
  uid: number;
  gid: number;
  user: string;
  uids?: SubordinateRange;
  gids?: SubordinateRange;
  newuidmap?: string;
  newgidmap?: string;
  unshare?: string;
  /** What is missing, each with what to do about it; empty when a user namespace can be entered. */
  missing: string[];
}

/** What entering a user namespace needs here, and what of it is missing. */
export async function rootlessSetup(env: NodeJS.ProcessEnv = process.env): Promise<RootlessSetup> {
  const uid = process.getuid?.() ?? -1;
  const gid = process.getgid?.() ?? -1;
  // A uid without a passwd entry (an arbitrary uid in a container) has no name: its number stands in.
  const user = ((): string => {
    try {
      return userInfo().username;
    } catch {
      return String(uid);
    }
  })();
  const missing: string[] = [];
  const newuidmap = await onPath('newuidmap', env);
  const newgidmap = await onPath('newgidmap', env);
  if (!newuidmap || !newgidmap) missing.push('newuidmap and newgidmap: install them (Debian/Ubuntu: apt-get install uidmap; Fedora: dnf install shadow-utils)');
  const unshare = await onPath('unshare', env);
  if (!unshare) missing.push('unshare (util-linux 2.38 or later): install it (Debian: apt-get install util-linux)');
  else if (!(await mapsRanges(unshare))) missing.push(`an unshare that maps id ranges (--map-users, util-linux 2.38 or later); ${unshare} is older: upgrade util-linux`);
  const uids = await subordinateRange('/etc/subuid', user, uid);
  const gids = await subordinateRange('/etc/subgid', user, uid);
  const example = `${user}:100000:65536`;
  if (!uids) missing.push(`a range of subordinate user ids for ${user} in /etc/subuid: add a line such as "${example}" (as root: usermod --add-subuids 100000-165535 ${user})`);
  if (!gids) missing.push(`a range of subordinate group ids for ${user} in /etc/subgid: add a line such as "${example}" (as root: usermod --add-subgids 100000-165535 ${user})`);
  const clone = (await readFile('/proc/sys/kernel/unprivileged_userns_clone', 'utf8').catch(() => '1')).trim();
  if (clone === '0') missing.push('user namespaces for users other than root: the kernel has them turned off (as root: sysctl -w kernel.unprivileged_userns_clone=1, and kernel.unprivileged_userns_clone=1 in /etc/sysctl.d/ to keep it)');
  const max = (await readFile('/proc/sys/user/max_user_namespaces', 'utf8').catch(() => '1')).trim();
  if (max === '0') missing.push('user namespaces: user.max_user_namespaces is 0 (as root: sysctl -w user.max_user_namespaces=15000)');
  return {
    uid,
    gid,
    user,
    ...(uids ? { uids } : {}),
    ...(gids ? { gids } : {}),
    ...(newuidmap ? { newuidmap } : {}),
    ...(newgidmap ? { newgidmap } : {}),
    ...(unshare ? { unshare } : {}),
    missing,
  };
}

/** The command line that runs `argv` in a user namespace mapped as podman maps its own; undefined when something is missing. */
export function userNamespaceCommand(setup: RootlessSetup, argv: readonly string[]): { command: string; args: string[] } | undefined {
  if (setup.missing.length || !setup.uids || !setup.gids || !setup.unshare) return undefined;
  return {
    command: setup.unshare,
    // A mount namespace of the user namespace's own, so that root in it may mount (overlay root
    // filesystems); its mounts go with the last process in it, so a killed run leaves none behind.
    args: ['--map-root-user', `--map-users=${setup.uids.start},1,${setup.uids.count}`, `--map-groups=${setup.gids.start},1,${setup.gids.count}`, '--mount', '--', ...argv],
  };
}

/**
 * Throws, before anything is written, when this process cannot run a container: not root, and not
 * in a user namespace. The message lists what is missing and what to install or add.
 */
export async function requireContainerPrivileges(env: NodeJS.ProcessEnv = process.env): Promise<ContainerPrivileges> {
  const privileges = containerPrivileges();
  if (privileges !== 'none') return privileges;
  const setup = await rootlessSetup(env);
  if (setup.missing.length) {
    throw new StevedoreError(
      'ROOTLESS_UNAVAILABLE',
      `Running a container needs root, or a user namespace with subordinate ids for ${setup.user}, and this machine lacks: ${setup.missing.map((m, i) => `(${i + 1}) ${m}`).join('; ')}. Or run the command as root (sudo). Nothing was changed.`,
      { detail: { missing: setup.missing } },
    );
  }
  throw new StevedoreError(
    'ROOTLESS_UNAVAILABLE',
    `Running a container without root needs a user namespace, which the stevedore CLI enters by itself (run, start, commit, diff, rm, build); this process is not in one. Use the CLI, or run as root. Nothing was changed.`,
  );
}

async function mapsRanges(unshare: string): Promise<boolean> {
  // node:child_process is loaded only here: the CLI imports this file for every command.
  const { execFile } = process.getBuiltinModule('node:child_process');
  const help = await new Promise<string>((resolve) => execFile(unshare, ['--help'], (_err, stdout) => resolve(String(stdout ?? ''))));
  return help.includes('--map-users');
}

async function onPath(name: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const dirs = [...(env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/local/bin', '/usr/bin', '/bin', '/usr/sbin', '/sbin'];
  for (const dir of dirs) {
    const path = join(dir, name);
    if (await access(path, constants.X_OK).then(() => true, () => false)) return path;
  }
  return undefined;
}

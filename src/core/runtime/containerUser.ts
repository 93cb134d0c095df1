// `USER` / `-u` as the container's own /etc/passwd and /etc/group give it, as runc's libcontainer
// (user.GetExecUser) resolves it for Docker: a name must be in passwd, a number need not be; the
// group defaults to the user's primary group (0 for an unknown number); the supplementary groups
// are that group and the groups listing the user; HOME comes from passwd, else "/".

import { readFile } from 'node:fs/promises';
import { StevedoreError } from '../errors';
import { scopedPath } from './scopedPath';

export interface ExecUser {
  uid: number;
  gid: number;
  additionalGids: number[];
  home: string;
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

export async function resolveExecUser(rootfs: string, spec: string | undefined): Promise<ExecUser> {
  const [user = '', group] = (spec ?? '').split(':', 2) as [string?, string?];
  const passwd = parsePasswd(await readRootFile(rootfs, 'etc/passwd'));
  const groups = parseGroup(await readRootFile(rootfs, 'etc/group'));
  const wanted = user === '' ? '0' : user;
  const numeric = /^\d+$/.test(wanted);
  const entry = passwd.find((p) => (numeric ? p.uid === Number(wanted) : p.name === wanted));
  if (!entry && !numeric) {
    throw new StevedoreError('INVALID_ARGUMENT', `unable to find user ${wanted}: no matching entries in passwd file. Give a user that the image's /etc/passwd lists, or a numeric uid.`);
  }
  const uid = entry?.uid ?? Number(wanted);
  let gid = entry?.gid ?? 0;
  if (group !== undefined && group !== '') {
    if (/^\d+$/.test(group)) gid = Number(group);
    else {
      const found = groups.find((g) => g.name === group);
      if (!found) throw new StevedoreError('INVALID_ARGUMENT', `unable to find group ${group}: no matching entries in group file. Give a group that the image's /etc/group lists, or a numeric gid.`);
      gid = found.gid;
    }
  }
  // The primary group is a supplementary one too, as in Docker's containers (`id` shows groups=GID).
  const additionalGids = [gid, ...(entry ? groups.filter((g) => g.members.includes(entry.name)).map((g) => g.gid) : [])];
  return { uid, gid, additionalGids: [...new Set(additionalGids)], home: entry?.home || '/' };
}

async function readRootFile(rootfs: string, rel: string): Promise<string> {
  const path = await scopedPath(rootfs, rel);
  return readFile(path, 'utf8').catch(() => '');
}

function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 4 || !/^\d+$/.test(f[2]!) || !/^\d+$/.test(f[3]!)) continue;
    out.push({ name: f[0]!, uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? '' });
  }
  return out;
}

function parseGroup(text: string): { name: string; gid: number; members: string[] }[] {
  const out: { name: string; gid: number; members: string[] }[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 3 || !/^\d+$/.test(f[2]!)) continue;
    out.push({ name: f[0]!, gid: Number(f[2]), members: (f[3] ?? '').split(',').filter(Boolean) });
  }
  return out;
}

// Whether a process that left a lock, a lease or an ingest behind is still running. Only processes
// on this host can be judged; owners from another host are assumed alive.

import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

export const HOST = hostname();

export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return !isZombie(pid);
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Parses the `<pid>-…` prefix used in the names of leases and ingest files. */
export function ownerPid(name: string): number | null {
  const match = /^(\d+)-/.exec(name);
  return match ? Number(match[1]) : null;
}

/** A killed process whose parent has not reaped it yet still answers kill(pid, 0); it is gone all the same. */
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
  }
}

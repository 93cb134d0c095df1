// Live processes of this machine, read from /proc: what a killed command may have left running.

import { readdir, readFile } from 'node:fs/promises';

/** PIDs of live (not zombie) processes for which `wanted(command line, real uid)` holds; the command line's arguments are joined by NULs. */
export async function livePids(wanted: (cmdline: string, uid: number) => boolean): Promise<number[]> {
  const out: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const status = await readFile(`/proc/${name}/status`, 'utf8').catch(() => '');
    const uid = /^Uid:\s+(\d+)/m.exec(status);
    if (!uid || /^State:\s+Z/m.test(status)) continue;
    const cmdline = await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
    if (wanted(cmdline, Number(uid[1]))) out.push(Number(name));
  }
  return out;
}

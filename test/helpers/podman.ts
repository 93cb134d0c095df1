// podman and skopeo against private stores in a test's temporary folder: podman on vfs with its own
// root and runroot (so nothing touches the machine's container storage), and skopeo with an
// accept-anything signature policy.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run, type CliResult } from './cli';

export interface PodmanStore {
  podman(args: readonly string[], options?: { input?: Buffer | string }): Promise<CliResult>;
  /** The same store as a skopeo/containers-image transport prefix: containers-storage:[vfs@ROOT+RUNROOT]. */
  transport: string;
}

/** `dir` must be short: podman refuses a runroot longer than 50 characters. */
export function podmanStore(dir: string): PodmanStore {
  const root = join(dir, 'proot');
  const runroot = join(dir, 'prun');
  const base = ['--root', root, '--runroot', runroot, '--storage-driver', 'vfs', '--cgroup-manager', 'cgroupfs', '--events-backend', 'file'];
  return {
    podman: (args, options = {}) => run('podman', [...base, ...args], options),
    transport: `containers-storage:[vfs@${root}+${runroot}]`,
  };
}

export interface Skopeo {
  skopeo(args: readonly string[]): Promise<CliResult>;
}

/** skopeo with a policy file in `dir`. For docker-daemon: references pass --src-daemon-host or --dest-daemon-host. */
export async function skopeoWithPolicy(dir: string): Promise<Skopeo> {
  const policy = join(dir, 'skopeo-policy.json');
  await writeFile(policy, JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }));
  return { skopeo: (args) => run('skopeo', ['--policy', policy, ...args]) };
}

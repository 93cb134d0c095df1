// Podman's Docker-compatible API service for tests: `podman system service` on a private vfs
// store and a unix socket in a temporary folder, stopped by its PID. It is what
// `systemctl --user start podman.socket` gives users, without systemd.

import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { podmanStore, type PodmanStore } from './podman';

export interface PodmanService extends PodmanStore {
  socket: string;
  /** unix:///…/podman.sock, for CONTAINER_HOST. */
  host: string;
  stop(): Promise<void>;
}

/**
 * Upper bound on start-up, so that a wedged podman fails the tests instead of hanging them. A hang
 * guard, not a speed check: far above a start on a busy machine (a dead one is seen at once).
 */
const START_LIMIT_MS = 600_000;

/** A folder for a service to be started later, so a test can point at its socket first (an engine not running yet). */
export async function podmanServiceDir(): Promise<string> {
  // Short: podman refuses a runroot longer than 50 characters.
  return mkdtemp('/tmp/sd-pod-');
}

/** Starts the service in `dir` (from podmanServiceDir, else a new one); its socket is `dir`/podman.sock. */
export async function startPodmanService(options: { dir?: string } = {}): Promise<PodmanService> {
  const dir = options.dir ?? (await podmanServiceDir());
  const socket = join(dir, 'podman.sock');
  const host = `unix://${socket}`;
  const store = podmanStore(dir);
  const root = join(dir, 'proot');
  const runroot = join(dir, 'prun');
  const child = spawn(
    'podman',
    ['--root', root, '--runroot', runroot, '--storage-driver', 'vfs', '--cgroup-manager', 'cgroupfs', '--events-backend', 'file', 'system', 'service', '--time=0', host],
    { stdio: 'ignore' },
  );
  let exited = false;
  const gone = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  const stop = async (): Promise<void> => {
    if (!exited) child.kill('SIGTERM');
    await gone;
    await rm(dir, { recursive: true, force: true });
  };
  const started = Date.now();
  while (!(await pings(socket))) {
    if (exited || Date.now() - started > START_LIMIT_MS) {
      await stop();
      throw new Error(`podman system service did not answer on ${socket}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { ...store, socket, host, stop };
}

function pings(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping' }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.end();
  });
}

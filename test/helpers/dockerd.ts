// A private Docker engine for tests: Debian's dockerd (docker.io) on the vfs storage driver, with no
// iptables, bridge or masquerading, listening only on a unix socket in a temporary folder, and
// stopped by its PID. Starting one is slow (seconds), so a test file starts one and shares it.
//
//   const engine = await startDockerd();
//   await engine.docker(['load', '-i', file]);
//   await engine.stop();

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run, type CliResult } from './cli';

export interface Dockerd {
  /** Runs the docker client against this engine. */
  docker(args: readonly string[], options?: { input?: Buffer | string }): Promise<CliResult>;
  /** Path of the engine's API socket. */
  socket: string;
  /** The socket as a DOCKER_HOST value: unix:///…/docker.sock. */
  host: string;
  stop(): Promise<void>;
}

export interface DockerdOptions {
  /** Registries (host:port) the engine may reach over plain HTTP, such as a loopback test registry. */
  insecureRegistries?: string[];
  /** Also listen on TCP with TLS (dockerd --tls): the server's certificate and key files. */
  tcpTls?: { port: number; caFile: string; certFile: string; keyFile: string };
}

/** Debian's client (20.10, the engine's own version); another docker on PATH may be newer. */
const CLIENT = existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';
/**
 * Upper bound on start-up, so that a wedged engine fails the tests instead of hanging them. It is
 * a hang guard, not a speed check: an engine starts in seconds even on a busy machine.
 */
const START_LIMIT_MS = 600_000;

export async function startDockerd(options: DockerdOptions = {}): Promise<Dockerd> {
  // Short paths: containerd's socket lives under the exec root and unix socket paths are limited to 108 bytes.
  const dir = await mkdtemp('/tmp/sd-dockerd-');
  const socket = join(dir, 'docker.sock');
  const host = `unix://${socket}`;
  const configFile = join(dir, 'daemon.json');
  await writeFile(configFile, JSON.stringify({ 'insecure-registries': options.insecureRegistries ?? [] }));
  const log = await open(join(dir, 'dockerd.log'), 'w');
  const child = spawn(
    'dockerd',
    [
      '--config-file', configFile,
      '--storage-driver=vfs',
      '--iptables=false',
      '--ip-masq=false',
      '--bridge=none',
      '--data-root', join(dir, 'data'),
      '--exec-root', join(dir, 'exec'),
      '--pidfile', join(dir, 'docker.pid'),
      '--host', host,
      ...(options.tcpTls ? ['--host', `tcp://127.0.0.1:${options.tcpTls.port}`, '--tls', '--tlscacert', options.tcpTls.caFile, '--tlscert', options.tcpTls.certFile, '--tlskey', options.tcpTls.keyFile] : []),
    ],
    { stdio: ['ignore', log.fd, log.fd] },
  );
  await log.close();
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });
  const env = { DOCKER_HOST: host, DOCKER_CONFIG: join(dir, 'client-config') };
  const docker = (args: readonly string[], opts: { input?: Buffer | string } = {}): Promise<CliResult> => run(CLIENT, args, { env, ...(opts.input !== undefined ? { input: opts.input } : {}) });

  const stop = async (): Promise<void> => {
    await stopProcess(child, () => exited);
    // dockerd stops the containerd it started; if it was killed instead, stop that one too.
    const containerdPid = await readFile(join(dir, 'exec', 'containerd', 'containerd.pid'), 'utf8').then((t) => Number(t.trim()), () => NaN);
    if (Number.isInteger(containerdPid) && containerdPid > 0 && isAlive(containerdPid)) process.kill(containerdPid, 'SIGTERM');
    await unmountUnder(dir);
    await rm(dir, { recursive: true, force: true });
  };

  const started = Date.now();
  for (;;) {
    if (exited) {
      const text = await readFile(join(dir, 'dockerd.log'), 'utf8').catch(() => '');
      await unmountUnder(dir);
      await rm(dir, { recursive: true, force: true });
      throw new Error(`dockerd exited during start-up:\n${text.split('\n').slice(-20).join('\n')}`);
    }
    const version = await docker(['version', '--format', '{{.Server.Version}}']);
    if (version.code === 0) break;
    if (Date.now() - started > START_LIMIT_MS) {
      const text = await readFile(join(dir, 'dockerd.log'), 'utf8').catch(() => '');
      await stop();
      throw new Error(`dockerd did not answer on ${socket}:\n${text.split('\n').slice(-20).join('\n')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { docker, socket, host, stop };
}

async function stopProcess(child: ChildProcess, exited: () => boolean): Promise<void> {
  if (exited() || child.pid === undefined) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  // dockerd shuts down in a few seconds; a wedged one is killed rather than left behind.
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await gone;
  clearTimeout(timer);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * dockerd bind-mounts its data root onto itself and undoes that on a clean shutdown; one killed or
 * slow to stop on a busy machine leaves the mount, and removing the folder then fails with EBUSY.
 */
async function unmountUnder(dir: string): Promise<void> {
  const mounts = await readFile('/proc/self/mounts', 'utf8').catch(() => '');
  const points = mounts
    .split('\n')
    .map((line) => line.split(' ')[1]?.replace(/\\040/g, ' '))
    .filter((p): p is string => p !== undefined && (p === dir || p.startsWith(`${dir}/`)))
    .sort((a, b) => b.length - a.length);
  for (const point of points) await run('umount', ['-l', point]);
}

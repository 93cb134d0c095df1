// Running a container's process: the bundle's config.json is written from the record (the user is
// resolved in the container's own /etc/passwd now, as runc does at start), the working folder is
// made when missing (it lands in the container's changes, as with Docker), and the runtime runs in
// the foreground. The record says "running" with this process as owner until the runtime returns.

import { lstat, mkdir, readFile, writeFile } from 'node:fs/promises';
import { CancelledError } from '../errors';
import type { ImageStore } from '../store/imageStore';
import { containerPaths, containerCommand, readContainer, runtimeStateDir, writeContainer, type ContainerRecord } from './containerRecord';
import { resolveExecUser } from './containerUser';
import { parseBind } from './createContainer';
import { withRootfs } from './containerRootfs';
import { findRuntime, runBundle, type ContainerIo } from './ociRuntime';
import { containerEnv, runtimeSpec } from './runtimeSpec';
import { scopedPath } from './scopedPath';
import { requireContainerPrivileges } from './userNamespace';

export interface StartOptions {
  io: ContainerIo;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
}

const ISOLATED_HOSTS = '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n';

/** Runs the container's command and returns its exit status. */
export async function startContainer(store: ImageStore, record: ContainerRecord, options: StartOptions): Promise<number> {
  const privileges = await requireContainerPrivileges(options.env);
  const runtime = await findRuntime(record.HostConfig.Runtime, options.env);
  return withRootfs(store.layout, record, () => runMounted(store, record, runtime, options, privileges === 'user-namespace'));
}

async function runMounted(store: ImageStore, record: ContainerRecord, runtime: string, options: StartOptions, rootless: boolean): Promise<number> {
  const paths = containerPaths(store.layout, record.Id);
  const config = record.Config;
  const user = await resolveExecUser(paths.rootfs, config.User);
  const cwd = config.WorkingDir || '/';
  const cwdHost = await scopedPath(paths.rootfs, cwd.replace(/^\/+/, ''));
  if (!(await lstat(cwdHost).catch(() => null))) await mkdir(cwdHost, { recursive: true, mode: 0o755 });
  const network = record.HostConfig.NetworkMode;
  await writeFile(paths.hosts, network === 'host' ? await readFile('/etc/hosts', 'utf8').catch(() => ISOLATED_HOSTS) : `${ISOLATED_HOSTS}127.0.1.1\t${config.Hostname}\n`);
  await writeFile(paths.hostname, `${config.Hostname}\n`);
  await writeFile(paths.resolvConf, await readFile('/etc/resolv.conf', 'utf8').catch(() => ''));
  const binds = [];
  for (const spec of record.HostConfig.Binds) {
    const bind = parseBind(spec);
    await mkdir(bind.source, { recursive: true });
    binds.push(bind);
  }
  const spec = runtimeSpec({
    args: containerCommand(config),
    env: containerEnv(config.Env ?? [], config.Hostname, config.Tty, user.home),
    cwd,
    user,
    hostname: config.Hostname,
    terminal: config.Tty,
    ...(options.io.terminal ? { consoleSize: options.io.terminal.size } : {}),
    network,
    hostsFile: paths.hosts,
    hostnameFile: paths.hostname,
    resolvConfFile: paths.resolvConf,
    binds,
    rootless,
  });
  await writeFile(paths.bundleConfig, JSON.stringify(spec, null, 2));

  const running: ContainerRecord = { ...record, State: { Status: 'running', ExitCode: 0, StartedAt: new Date().toISOString(), OwnerPid: process.pid } };
  await writeContainer(store.layout, running);
  let status = 137;
  try {
    status = await runBundle({ runtime, stateDir: runtimeStateDir(store.layout), bundle: paths.dir, id: record.Id, io: options.io, terminal: config.Tty, ...(options.signal ? { signal: options.signal } : {}) });
    return status;
  } catch (err) {
    if (!(err instanceof CancelledError)) status = 125;
    throw err;
  } finally {
    // Removed meanwhile (`rm -f` elsewhere): nothing to record.
    if (await readContainer(store.layout, record.Id)) {
      const { OwnerPid: _owner, ...state } = running.State;
      await writeContainer(store.layout, { ...running, State: { ...state, Status: 'exited', ExitCode: status, FinishedAt: new Date().toISOString() } });
    }
  }
}

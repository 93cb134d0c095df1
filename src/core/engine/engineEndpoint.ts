// Where a container engine's API is, resolved as the engines' own clients resolve it.
//
// Docker (docker/cli's command/cli.go): `--host` and `--context` exclude each other; a host given
// with -H or DOCKER_HOST means the "default" context; else `--context`, DOCKER_CONTEXT, then the
// config file's `currentContext`; the default context is unix:///var/run/docker.sock (the named
// pipe on Windows). Named contexts live under $DOCKER_CONFIG/contexts/meta/<sha256(name)>/meta.json
// with their TLS files under contexts/tls/<sha256(name)>/docker/.
//
// Podman (its Docker-compatible service): CONTAINER_HOST, else the rootless socket under
// $XDG_RUNTIME_DIR/podman/, else the rootful /run/podman/podman.sock.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SecureContext } from 'node:tls';
import { sha256Digest } from '../digest';
import { StevedoreError } from '../errors';
import { dockerConfigPath, homeOf } from '../registry/dockerConfig';

export type EngineKind = 'docker' | 'podman';

export interface EngineTls {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  /** Whether the server's certificate is checked (DOCKER_TLS_VERIFY, a context's SkipTLSVerify). */
  verify: boolean;
  /** A context made beforehand (Node's store plus deferred NODE_EXTRA_CA_CERTS); `ca`, `cert` and `key` are then in it. */
  secureContext?: SecureContext;
}

export interface EngineEndpoint {
  kind: EngineKind;
  /** As the user would write it: unix:///var/run/docker.sock, tcp://host:2376, npipe:////./pipe/docker_engine. */
  host: string;
  /** The Docker context it came from, when one named it. */
  context?: string;
  /** A local socket or named pipe path, for unix:// and npipe://. */
  socketPath?: string;
  /** http(s)://host:port, for tcp://. */
  url?: string;
  tls?: EngineTls;
  /** What to tell the user when nothing answers there. */
  startHint: string;
}

export interface DockerEndpointOptions {
  /** `-H/--host`. */
  host?: string;
  /** `--context`. */
  context?: string;
  env: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
}

const DEFAULT_UNIX_SOCKET = 'unix:///var/run/docker.sock';
const DEFAULT_WINDOWS_PIPE = 'npipe:////./pipe/docker_engine';
const DOCKER_START_HINT = 'Start Docker (Docker Desktop, or `sudo systemctl start docker`), or point DOCKER_HOST or a Docker context at a running engine.';
const PODMAN_START_HINT = 'Start Podman\'s API service: `systemctl --user start podman.socket` (or `podman system service --time=0 &`), or set CONTAINER_HOST.';

export async function resolveDockerEndpoint(options: DockerEndpointOptions): Promise<EngineEndpoint> {
  const { env } = options;
  const platform = options.platform ?? process.platform;
  if (options.host && options.context) {
    throw new StevedoreError('INVALID_ARGUMENT', 'Conflicting options: give either --host or --context, not both.');
  }
  const configDir = env.DOCKER_CONFIG || join(homeOf(env), '.docker');
  const contextName = await dockerContextName(options, configDir);
  if (contextName === 'default') {
    const host = options.host || env.DOCKER_HOST || (platform === 'win32' ? DEFAULT_WINDOWS_PIPE : DEFAULT_UNIX_SOCKET);
    const tls = await tlsFromEnvironment(env, configDir);
    return endpointFromHost('docker', host, { tls, startHint: DOCKER_START_HINT });
  }
  return contextEndpoint(contextName, configDir);
}

export function resolvePodmanEndpoint(env: NodeJS.ProcessEnv, uid: number = process.getuid?.() ?? -1): EngineEndpoint {
  let host = env.CONTAINER_HOST;
  if (!host) {
    host = uid !== 0 && env.XDG_RUNTIME_DIR ? `unix://${join(env.XDG_RUNTIME_DIR, 'podman', 'podman.sock')}` : 'unix:///run/podman/podman.sock';
  }
  return endpointFromHost('podman', host, { startHint: PODMAN_START_HINT });
}

/** An endpoint the user wrote out (`--engine unix:///…`, `--engine tcp://…`); spoken to as Docker's API. */
export function endpointFromHost(kind: EngineKind, host: string, extra: { tls?: EngineTls; context?: string; startHint?: string } = {}): EngineEndpoint {
  const startHint = extra.startHint ?? (kind === 'podman' ? PODMAN_START_HINT : DOCKER_START_HINT);
  const base = { kind, host, startHint, ...(extra.context ? { context: extra.context } : {}) };
  const schemeEnd = host.indexOf('://');
  const scheme = schemeEnd < 0 ? '' : host.slice(0, schemeEnd);
  const rest = schemeEnd < 0 ? host : host.slice(schemeEnd + 3);
  switch (scheme) {
    case 'unix':
      if (!rest.startsWith('/')) throw badHost(host, 'a unix socket needs an absolute path, as in unix:///var/run/docker.sock');
      return { ...base, socketPath: rest };
    case 'npipe':
      // npipe:////./pipe/docker_engine → \\.\pipe\docker_engine
      return { ...base, socketPath: rest.replace(/\//g, '\\') };
    case 'tcp':
    case 'http':
    case 'https': {
      const tls = scheme === 'https' ? (extra.tls ?? { verify: true }) : scheme === 'http' ? undefined : extra.tls;
      let url: URL;
      try {
        url = new URL(`${tls ? 'https' : 'http'}://${rest}`);
      } catch {
        throw badHost(host, 'expected tcp://HOST:PORT');
      }
      if (!url.port) url.port = tls ? '2376' : '2375';
      return { ...base, url: `${url.protocol}//${url.host}`, ...(tls ? { tls } : {}) };
    }
    case 'ssh':
      throw new StevedoreError('UNSUPPORTED', `The engine endpoint ${host} uses ssh://, which Stevedore does not speak yet. Forward the remote socket instead (ssh -L /tmp/docker.sock:/var/run/docker.sock HOST) and use unix:///tmp/docker.sock.`);
    default:
      throw badHost(host, 'use unix://PATH, tcp://HOST:PORT or npipe://PATH');
  }
}

function badHost(host: string, why: string): StevedoreError {
  return new StevedoreError('INVALID_ARGUMENT', `Invalid engine address "${host}": ${why}.`);
}

async function dockerContextName(options: DockerEndpointOptions, configDir: string): Promise<string> {
  if (options.context) return options.context;
  if (options.host || options.env.DOCKER_HOST) return 'default';
  if (options.env.DOCKER_CONTEXT) return options.env.DOCKER_CONTEXT;
  const configFile = options.env.DOCKER_CONFIG ? join(configDir, 'config.json') : dockerConfigPath(options.env);
  let text: string;
  try {
    text = await readFile(configFile, 'utf8');
  } catch {
    return 'default';
  }
  try {
    const config = JSON.parse(text) as { currentContext?: unknown };
    return typeof config.currentContext === 'string' && config.currentContext ? config.currentContext : 'default';
  } catch {
    throw new StevedoreError('INVALID_ARGUMENT', `${configFile} is not valid JSON, so the current Docker context cannot be read. Fix or remove the file.`);
  }
}

interface ContextMeta {
  Name?: string;
  Endpoints?: { docker?: { Host?: string; SkipTLSVerify?: boolean } };
}

async function contextEndpoint(name: string, configDir: string): Promise<EngineEndpoint> {
  const id = sha256Digest(name).slice('sha256:'.length);
  const metaPath = join(configDir, 'contexts', 'meta', id, 'meta.json');
  let meta: ContextMeta;
  try {
    meta = JSON.parse(await readFile(metaPath, 'utf8')) as ContextMeta;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new StevedoreError('INVALID_ARGUMENT', `Docker context "${name}" does not exist (no ${metaPath}). \`docker context ls\` lists the contexts; \`docker context use default\` goes back to the default one.`);
    }
    throw new StevedoreError('INVALID_ARGUMENT', `Docker context "${name}" cannot be read from ${metaPath}: ${(err as Error).message}.`);
  }
  const docker = meta.Endpoints?.docker;
  if (!docker?.Host) throw new StevedoreError('INVALID_ARGUMENT', `Docker context "${name}" has no Docker endpoint (${metaPath}).`);
  const tlsDir = join(configDir, 'contexts', 'tls', id, 'docker');
  const [ca, cert, key] = await Promise.all(['ca.pem', 'cert.pem', 'key.pem'].map((f) => readOptional(join(tlsDir, f))));
  const hasTls = Boolean(ca || cert);
  const tls: EngineTls | undefined = hasTls ? { ca, cert, key, verify: !docker.SkipTLSVerify } : undefined;
  return endpointFromHost('docker', docker.Host, { tls, context: name, startHint: DOCKER_START_HINT });
}

/** DOCKER_TLS_VERIFY / DOCKER_CERT_PATH, as the docker CLI reads them for a tcp:// host. */
async function tlsFromEnvironment(env: NodeJS.ProcessEnv, configDir: string): Promise<EngineTls | undefined> {
  // The CLI turns TLS on with --tls/--tlsverify; of the two, only DOCKER_TLS_VERIFY has a variable.
  if (!env.DOCKER_TLS_VERIFY) return undefined;
  const certPath = env.DOCKER_CERT_PATH || configDir;
  const [ca, cert, key] = await Promise.all(['ca.pem', 'cert.pem', 'key.pem'].map((f) => readOptional(join(certPath, f))));
  return { ca, cert, key, verify: true };
}

async function readOptional(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch {
    return undefined;
  }
}

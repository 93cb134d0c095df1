// Where signatures live, from the containers tools' registries.d(5) folder: every *.yaml file in
// `--registries.d DIR`, else $HOME/.config/containers/registries.d when it exists, else
// /etc/containers/registries.d (c/image's order: the user's folder replaces the system one, they
// are not merged). Per scope (as in policy.json, most specific first, then `default-docker`):
// `lookaside` (older name `sigstore`) to read simple signatures from, `lookaside-staging` (older
// `sigstore-staging`) to write them to, and `use-sigstore-attachments` to read and write Sigstore
// signatures as `sha256-<hex>.sig` tags in the registry.

import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { StevedoreError } from '../errors';
import { homeOf } from '../registry/dockerConfig';
import type { ImageReference } from '../reference/reference';
import { dockerScopesFor } from './policyScopes';

export const SYSTEM_REGISTRIES_D = '/etc/containers/registries.d';
const MAX_FILE_BYTES = 1024 * 1024;

export interface RegistryNamespace {
  lookaside?: string;
  lookasideStaging?: string;
  useSigstoreAttachments?: boolean;
}

export interface RegistriesConfig {
  /** The folder read, for messages; undefined when there was none. */
  dir: string | undefined;
  defaultDocker: RegistryNamespace | undefined;
  docker: Record<string, RegistryNamespace>;
  /**
   * Where c/image looks when no scope names a lookaside: file:///var/lib/containers/sigstore for
   * root, else $HOME/.local/share/containers/sigstore.
   */
  builtinLookaside?: string;
}

export function builtinLookaside(env: NodeJS.ProcessEnv, uid: number | undefined): string {
  return uid === 0 ? 'file:///var/lib/containers/sigstore' : pathToFileURL(join(homeOf(env), '.local', 'share', 'containers', 'sigstore')).href;
}

/** The folder in effect: the one given, else the user's when it exists, else the system's. */
export async function registriesDirFor(env: NodeJS.ProcessEnv, explicit?: string): Promise<string> {
  if (explicit) return explicit;
  const user = join(homeOf(env), '.config', 'containers', 'registries.d');
  const isDir = await stat(user).then((s) => s.isDirectory(), () => false);
  return isDir ? user : SYSTEM_REGISTRIES_D;
}

export async function loadRegistriesConfig(env: NodeJS.ProcessEnv, explicit?: string): Promise<RegistriesConfig> {
  const dir = await registriesDirFor(env, explicit);
  const builtin = builtinLookaside(env, process.getuid?.());
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.yaml')).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !explicit) return { dir: undefined, defaultDocker: undefined, docker: {}, builtinLookaside: builtin };
    throw new StevedoreError('INVALID_POLICY', `Cannot read the registries.d folder ${dir}: ${(err as Error).message}`, { cause: err });
  }
  const config: RegistriesConfig = { dir, defaultDocker: undefined, docker: {}, builtinLookaside: builtin };
  if (names.length === 0) return config;
  // The YAML parser is loaded only when there is YAML to read: most pulls find no registries.d.
  const { mergeRegistriesFile } = await import('./registriesYaml');
  const definedIn = new Map<string, string>();
  for (const name of names) {
    const path = join(dir, name);
    const bytes = await readFile(path);
    if (bytes.length > MAX_FILE_BYTES) throw invalid(path, 'it is larger than 1 MiB');
    mergeRegistriesFile(config, bytes.toString('utf8'), path, definedIn);
  }
  return config;
}

/** Adds one parsed file's scopes; a scope defined in two files is an error, as in c/image. */
export function mergeRegistriesDocument(config: RegistriesConfig, doc: unknown, path: string, definedIn = new Map<string, string>()): void {
  if (doc === null || doc === undefined) return;
  const top = mapping(doc, path, 'the file');
  if (top['default-docker'] !== undefined && top['default-docker'] !== null) {
    const previous = definedIn.get('default-docker');
    if (previous) throw invalid(path, `it defines default-docker, which ${previous} already defines`);
    definedIn.set('default-docker', path);
    config.defaultDocker = namespace(top['default-docker'], path, 'default-docker');
  }
  if (top.docker !== undefined && top.docker !== null) {
    for (const [scope, value] of Object.entries(mapping(top.docker, path, 'docker'))) {
      const previous = definedIn.get(`docker:${scope}`);
      if (previous) throw invalid(path, `it configures docker scope "${scope}", which ${previous} already configures`);
      definedIn.set(`docker:${scope}`, path);
      config.docker[scope] = namespace(value, path, `docker "${scope}"`);
    }
  }
}

function namespace(value: unknown, path: string, where: string): RegistryNamespace {
  if (value === null) return {};
  const o = mapping(value, path, where);
  const url = (key: string): string | undefined => {
    const v = o[key];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v !== 'string') throw invalid(path, `${where}: ${key} must be a URL`);
    let parsed: URL;
    try {
      parsed = new URL(v);
    } catch {
      throw invalid(path, `${where}: ${key} "${v}" is not an absolute URL (file:///path, http://… or https://…)`);
    }
    if (!['file:', 'http:', 'https:'].includes(parsed.protocol)) throw invalid(path, `${where}: ${key} "${v}" must be a file://, http:// or https:// URL`);
    return v;
  };
  const ns: RegistryNamespace = {};
  // The newer names win over the older ones, as c/image decides.
  const lookaside = url('lookaside') ?? url('sigstore');
  const staging = url('lookaside-staging') ?? url('sigstore-staging');
  if (lookaside) ns.lookaside = lookaside;
  if (staging) ns.lookasideStaging = staging;
  const attachments = o['use-sigstore-attachments'];
  if (attachments !== undefined && attachments !== null) {
    if (typeof attachments !== 'boolean') throw invalid(path, `${where}: use-sigstore-attachments must be true or false`);
    ns.useSigstoreAttachments = attachments;
  }
  return ns;
}

function scopeChain(config: RegistriesConfig, ref: ImageReference): RegistryNamespace[] {
  const found = dockerScopesFor(ref).map((s) => config.docker[s]).filter((n): n is RegistryNamespace => n !== undefined);
  return config.defaultDocker ? [...found, config.defaultDocker] : found;
}

/** The lookaside base URL to read simple signatures from (the most specific scope that sets one). */
export function lookasideFor(config: RegistriesConfig, ref: ImageReference): string | undefined {
  for (const ns of scopeChain(config, ref)) if (ns.lookaside) return ns.lookaside;
  return config.builtinLookaside;
}

/** Where to write signatures: staging if set, else the lookaside itself, per scope. */
export function lookasideStagingFor(config: RegistriesConfig, ref: ImageReference): string | undefined {
  for (const ns of scopeChain(config, ref)) {
    const url = ns.lookasideStaging ?? ns.lookaside;
    if (url) return url;
  }
  return undefined;
}

export function useSigstoreAttachments(config: RegistriesConfig, ref: ImageReference): boolean {
  for (const ns of scopeChain(config, ref)) if (ns.useSigstoreAttachments !== undefined) return ns.useSigstoreAttachments;
  return false;
}

/**
 * The URL of the n-th (1-based) signature of a manifest under a lookaside base, as c/image names
 * it: BASE/REPOSITORY-PATH@sha256=HEX/signature-N (the path without the registry host).
 */
export function lookasideSignatureUrl(base: string, ref: ImageReference, manifestDigest: string, n: number): URL {
  const url = new URL(base);
  const [algorithm, hex] = manifestDigest.split(':') as [string, string];
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/${ref.path}@${algorithm}=${hex}/signature-${n}`;
  return url;
}

function mapping(value: unknown, path: string, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(path, `${where} must be a mapping`);
  return value as Record<string, unknown>;
}

export function invalid(path: string, why: string): StevedoreError {
  return new StevedoreError('INVALID_POLICY', `Invalid registries.d file ${path}: ${why}. Fix it (see containers-registries.d(5)) or point --registries.d at another folder.`, { detail: { file: path } });
}

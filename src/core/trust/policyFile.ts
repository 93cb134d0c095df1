// Finding and reading the trust policy as c/image does (podman, skopeo): `--signature-policy FILE`,
// else $HOME/.config/containers/policy.json, else /etc/containers/policy.json. Like c/image, keys
// it does not know are refused rather than ignored: a misspelt "keyPath" must not silently turn a
// signature requirement into something weaker. Every problem is an INVALID_POLICY error naming
// the file and the place in it.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StevedoreError } from '../errors';
import { homeOf } from '../registry/dockerConfig';
import type { KeySource, PolicyRequirement, SignedIdentity, TrustPolicy } from './policyTypes';

export const SYSTEM_POLICY_PATH = '/etc/containers/policy.json';
const MAX_POLICY_BYTES = 4 * 1024 * 1024;

/** The files looked at, in order, when no --signature-policy is given. */
export function defaultPolicyPaths(env: NodeJS.ProcessEnv): string[] {
  return [join(homeOf(env), '.config', 'containers', 'policy.json'), SYSTEM_POLICY_PATH];
}

/**
 * The policy in effect: the named file (which must exist), else the first default file that
 * exists; undefined when there is none at all.
 */
export async function loadPolicy(env: NodeJS.ProcessEnv, explicitPath?: string, searchPaths: readonly string[] = defaultPolicyPaths(env)): Promise<TrustPolicy | undefined> {
  if (explicitPath) {
    const text = await readPolicyText(explicitPath);
    if (text === undefined) {
      throw new StevedoreError('INVALID_POLICY', `The signature policy ${explicitPath} does not exist; give the path of a policy.json (see containers-policy.json(5)).`);
    }
    return parsePolicy(text, explicitPath);
  }
  for (const path of searchPaths) {
    const text = await readPolicyText(path);
    if (text !== undefined) return parsePolicy(text, path);
  }
  return undefined;
}

async function readPolicyText(path: string): Promise<string | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StevedoreError('INVALID_POLICY', `Cannot read the signature policy ${path}: ${(err as Error).message}`, { cause: err });
  }
  if (bytes.length > MAX_POLICY_BYTES) throw new StevedoreError('INVALID_POLICY', `The signature policy ${path} is larger than 4 MiB; it cannot be a policy.json.`);
  return bytes.toString('utf8');
}

class PolicyFormatError extends Error {}

/** Parses and validates policy.json text; `source` names the file in messages. */
export function parsePolicy(text: string, source: string): TrustPolicy {
  try {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new PolicyFormatError(`it is not valid JSON (${(err as Error).message})`);
    }
    const top = object(json, 'the policy');
    onlyKeys(top, ['default', 'transports'], 'the policy');
    if (top.default === undefined) throw new PolicyFormatError('Default policy is missing: add "default": [{"type": "reject"}] (or "insecureAcceptAnything")');
    const policy: TrustPolicy = { source, default: requirements(top.default, '"default"'), transports: {} };
    if (top.transports !== undefined && top.transports !== null) {
      for (const [transport, scopesValue] of Object.entries(object(top.transports, '"transports"'))) {
        const scopes: Record<string, PolicyRequirement[]> = {};
        for (const [scope, list] of Object.entries(object(scopesValue, `transport "${transport}"`))) {
          if (transport === 'docker') checkDockerScope(scope);
          scopes[scope] = requirements(list, `scope "${scope}" of transport "${transport}"`);
        }
        policy.transports[transport] = scopes;
      }
    }
    return policy;
  } catch (err) {
    if (!(err instanceof PolicyFormatError)) throw err;
    throw new StevedoreError('INVALID_POLICY', `Invalid signature policy ${source}: ${err.message}. Fix the file (see containers-policy.json(5)) or point --signature-policy at another one.`, {
      detail: { policy: source },
    });
  }
}

function requirements(value: unknown, where: string): PolicyRequirement[] {
  if (!Array.isArray(value)) throw new PolicyFormatError(`${where} must be a list of requirements`);
  // c/image's rule: an empty list would mean "accept anything" by accident.
  if (value.length === 0) throw new PolicyFormatError(`${where}: the list of requirements must not be empty`);
  return value.map((item, i) => requirement(item, `${where}, requirement ${i + 1}`));
}

function requirement(value: unknown, where: string): PolicyRequirement {
  const o = object(value, where);
  switch (o.type) {
    case 'insecureAcceptAnything':
    case 'reject':
      onlyKeys(o, ['type'], where);
      return { type: o.type };
    case 'signedBy': {
      onlyKeys(o, ['type', 'keyType', 'keyPath', 'keyPaths', 'keyData', 'signedIdentity'], where);
      if (o.keyType !== 'GPGKeys') {
        if (o.keyType === 'signedByGPGKeys' || o.keyType === 'X509Certificates' || o.keyType === 'signedByX509CAs') {
          throw new PolicyFormatError(`${where}: keyType "${String(o.keyType)}" is not implemented (podman and skopeo refuse it too); use "GPGKeys"`);
        }
        throw new PolicyFormatError(`${where}: "keyType" must be "GPGKeys" (got ${JSON.stringify(o.keyType)})`);
      }
      return { type: 'signedBy', keyType: 'GPGKeys', keys: keySources(o, where, true), signedIdentity: signedIdentity(o.signedIdentity, where) };
    }
    case 'sigstoreSigned': {
      const unsupported = ['fulcio', 'rekorPublicKeyPath', 'rekorPublicKeyPaths', 'rekorPublicKeyData', 'rekorPublicKeyDatas', 'pki'].filter((k) => k in o);
      if (unsupported.length > 0) {
        throw new PolicyFormatError(`${where}: ${unsupported.map((k) => `"${k}"`).join(', ')} is not supported yet (keyless Fulcio/Rekor and PKI verification need services Stevedore does not reach); use "keyPath" or "keyData" with the signer's public key`);
      }
      onlyKeys(o, ['type', 'keyPath', 'keyPaths', 'keyData', 'keyDatas', 'signedIdentity'], where);
      return { type: 'sigstoreSigned', keys: keySources(o, where, false), signedIdentity: signedIdentity(o.signedIdentity, where) };
    }
    case undefined:
      throw new PolicyFormatError(`${where}: "type" is missing`);
    default:
      throw new PolicyFormatError(`${where}: unknown policy requirement type ${JSON.stringify(o.type)} (known: insecureAcceptAnything, reject, signedBy, sigstoreSigned)`);
  }
}

/** Exactly one of keyPath, keyPaths, keyData (and, for sigstoreSigned, keyDatas). */
function keySources(o: Record<string, unknown>, where: string, gpg: boolean): KeySource[] {
  const given = ['keyPath', 'keyPaths', 'keyData', 'keyDatas'].filter((k) => o[k] !== undefined);
  const names = gpg ? 'keyPath, keyPaths and keyData' : 'keyPath, keyPaths, keyData and keyDatas';
  if (given.length !== 1) throw new PolicyFormatError(`${where}: exactly one of ${names} must be specified`);
  const asPath = (v: unknown, field: string): KeySource => {
    if (typeof v !== 'string' || v === '') throw new PolicyFormatError(`${where}: "${field}" must be a file path`);
    return { path: v };
  };
  const asData = (v: unknown, field: string): KeySource => {
    // Go's []byte in JSON: standard base64.
    if (typeof v !== 'string' || v === '' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length % 4 !== 0) {
      throw new PolicyFormatError(`${where}: "${field}" must be the key in base64`);
    }
    return { data: Buffer.from(v, 'base64') };
  };
  const list = (v: unknown, field: string, each: (x: unknown, f: string) => KeySource): KeySource[] => {
    if (!Array.isArray(v) || v.length === 0) throw new PolicyFormatError(`${where}: "${field}" must be a non-empty list`);
    return v.map((x) => each(x, field));
  };
  switch (given[0]) {
    case 'keyPath':
      return [asPath(o.keyPath, 'keyPath')];
    case 'keyPaths':
      return list(o.keyPaths, 'keyPaths', asPath);
    case 'keyData':
      return [asData(o.keyData, 'keyData')];
    default:
      return list(o.keyDatas, 'keyDatas', asData);
  }
}

function signedIdentity(value: unknown, where: string): SignedIdentity {
  if (value === undefined || value === null) return { type: 'matchRepoDigestOrExact' };
  const o = object(value, `${where}: "signedIdentity"`);
  const at = `${where}: signedIdentity ${JSON.stringify(o.type)}`;
  switch (o.type) {
    case 'matchExact':
    case 'matchRepoDigestOrExact':
    case 'matchRepository':
      onlyKeys(o, ['type'], at);
      return { type: o.type };
    case 'exactReference': {
      onlyKeys(o, ['type', 'dockerReference'], at);
      const ref = nonEmpty(o.dockerReference, 'dockerReference', at);
      const parsed = referenceParts(ref);
      if (!parsed || (!parsed.tag && !parsed.digest)) throw new PolicyFormatError(`${at}: dockerReference ${ref} must be a reference with a tag or digest`);
      return { type: 'exactReference', dockerReference: ref };
    }
    case 'exactRepository': {
      onlyKeys(o, ['type', 'dockerRepository'], at);
      const repo = nonEmpty(o.dockerRepository, 'dockerRepository', at);
      if (!referenceParts(repo)) throw new PolicyFormatError(`${at}: dockerRepository ${repo} is not a valid repository`);
      return { type: 'exactRepository', dockerRepository: repo };
    }
    case 'remapIdentity': {
      onlyKeys(o, ['type', 'prefix', 'signedPrefix'], at);
      const prefix = nonEmpty(o.prefix, 'prefix', at);
      const signedPrefix = nonEmpty(o.signedPrefix, 'signedPrefix', at);
      for (const p of [prefix, signedPrefix]) {
        if (!validRemapPrefix(p)) throw new PolicyFormatError(`${at}: prefix ${p} must be a host, a host/namespace or a full repository, without tag or digest`);
      }
      return { type: 'remapIdentity', prefix, signedPrefix };
    }
    default:
      throw new PolicyFormatError(`${at}: unknown signedIdentity type (known: matchExact, matchRepoDigestOrExact, matchRepository, exactReference, exactRepository, remapIdentity)`);
  }
}

/** Scopes of the docker transport: "", "*.example.com", or a fully written host[/namespace…][:tag|@digest]. */
function checkDockerScope(scope: string): void {
  if (scope === '') return;
  if (scope.startsWith('*.')) {
    if (!/^\*\.[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$/.test(scope)) throw new PolicyFormatError(`docker scope "${scope}": a wildcard scope must look like *.example.com`);
    return;
  }
  if (/^[a-z]+:\/\//.test(scope)) throw new PolicyFormatError(`docker scope "${scope}" must not have a URL scheme; write it as host/namespace/repository`);
  if (!referenceParts(scope) && !validHost(scope)) throw new PolicyFormatError(`docker scope "${scope}" is not a registry host, namespace or repository`);
}

const HOST = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

function validHost(s: string): boolean {
  return HOST.test(s);
}

/** host/path[:tag][@digest] written out in full (c/image compares strings, so no normalisation). */
export function referenceParts(s: string): { name: string; tag?: string; digest?: string } | undefined {
  const at = s.indexOf('@');
  const digest = at >= 0 ? s.slice(at + 1) : undefined;
  let rest = at >= 0 ? s.slice(0, at) : s;
  if (digest !== undefined && !/^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/.test(digest)) return undefined;
  const slash = rest.indexOf('/');
  if (slash < 0) return undefined;
  const colon = rest.lastIndexOf(':');
  let tag: string | undefined;
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!/^[\w][\w.-]{0,127}$/.test(tag)) return undefined;
  }
  const host = rest.slice(0, slash);
  if (!validHost(host) || !(host.includes('.') || host.includes(':') || host === 'localhost')) return undefined;
  if (!rest.slice(slash + 1).split('/').every((c) => PATH_COMPONENT.test(c))) return undefined;
  return { name: rest, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

function validRemapPrefix(p: string): boolean {
  if (p.includes('@') || p.startsWith('*')) return false;
  if (!p.includes('/')) return validHost(p);
  const parts = referenceParts(p);
  return parts !== undefined && parts.tag === undefined;
}

function object(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new PolicyFormatError(`${where} must be a JSON object`);
  return value as Record<string, unknown>;
}

function onlyKeys(o: Record<string, unknown>, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(o)) {
    if (!allowed.includes(key)) throw new PolicyFormatError(`${where}: unknown key "${key}" (allowed: ${allowed.join(', ')})`);
  }
}

function nonEmpty(value: unknown, field: string, where: string): string {
  if (typeof value !== 'string' || value === '') throw new PolicyFormatError(`${where}: "${field}" must be a non-empty string`);
  return value;
}

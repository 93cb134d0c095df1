// Image references ("redis", "ghcr.io/owner/app:1.0", "host:5000/a/b@sha256:...") parsed and
// normalised the way Docker does it (distribution/reference: ParseNormalizedNamed, Familiar*), so
// that names typed into Stevedore mean exactly what they would mean to `docker pull`.

import { StevedoreError } from '../errors';
import { abbreviate, explainDigest, explainDomain, explainPath, explainTag, isImageId, isValidTagSyntax } from './grammar';
import { compileGlob, matchGlob } from './pathGlob';

export interface ImageReference {
  /** Registry host, with port if any: "docker.io", "localhost:5000", "[::1]:5000". */
  domain: string;
  /** Repository path inside the registry: "library/redis", "user/app". */
  path: string;
  tag?: string;
  /** "algorithm:hex"; when both tag and digest are present, the digest is what identifies the image. */
  digest?: string;
}

export interface ParseReferenceOptions {
  /** Add the tag "latest" when the input has neither tag nor digest (default true). */
  defaultTag?: boolean;
}

const DEFAULT_DOMAIN = 'docker.io';
/** The old "Docker Index" host; still typed by people and written in old configs. */
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const OFFICIAL_REPO_PREFIX = 'library/';
const DEFAULT_TAG = 'latest';

/** Parses and normalises; throws StevedoreError('INVALID_REFERENCE') whose message names the problem. */
export function parseReference(input: string, opts: ParseReferenceOptions = {}): ImageReference {
  const result = analyse(input, opts.defaultTag !== false);
  if (typeof result === 'string') {
    throw new StevedoreError('INVALID_REFERENCE', `invalid reference ${JSON.stringify(abbreviate(input))}: ${result}`, {
      detail: { input },
    });
  }
  return result;
}

export function tryParseReference(input: string, opts: ParseReferenceOptions = {}): ImageReference | null {
  const result = analyse(input, opts.defaultTag !== false);
  return typeof result === 'string' ? null : result;
}

/** The fully qualified form: "docker.io/library/redis:latest", "host:5000/a/b:t@sha256:...". */
export function formatReference(ref: ImageReference): string {
  return withSuffixes(repositoryName(ref), ref);
}

/** The fully qualified repository without tag or digest: "docker.io/library/redis". */
export function repositoryName(ref: ImageReference): string {
  return ref.domain === '' ? ref.path : `${ref.domain}/${ref.path}`;
}

/** The short name Docker shows: "redis", "user/app", "localhost:5000/a/b". */
export function familiarName(ref: ImageReference): string {
  if (ref.domain !== DEFAULT_DOMAIN) return repositoryName(ref);
  // Like distribution, only a single component under library/ is shortened: "library/a/b" stays.
  const official = ref.path.startsWith(OFFICIAL_REPO_PREFIX) ? ref.path.slice(OFFICIAL_REPO_PREFIX.length) : undefined;
  return official !== undefined && !official.includes('/') ? official : ref.path;
}

/** The short form with tag and digest: "redis:latest", "localhost:5000/a/b:tag@sha256:...". */
export function familiarString(ref: ImageReference): string {
  return withSuffixes(familiarName(ref), ref);
}

/** A new reference to the same repository with `tag`; the digest is dropped, since the tag now names the image. */
export function withTag(ref: ImageReference, tag: string): ImageReference {
  const problem = explainTag(tag);
  if (problem !== undefined) {
    throw new StevedoreError('INVALID_REFERENCE', `invalid tag ${JSON.stringify(abbreviate(tag))}: ${problem}`, { detail: { tag } });
  }
  return { domain: ref.domain, path: ref.path, tag };
}

export function isValidTag(tag: string): boolean {
  return isValidTagSyntax(tag);
}

/**
 * Docker's `reference=PATTERN` filter (distribution's FamiliarMatch): the glob must match the whole
 * familiar string ("redis:latest") or the familiar name ("redis"). So "redis", "red*" and "*:7"
 * match docker.io/library/redis:7, while "docker.io/library/redis" does not.
 * Throws StevedoreError('INVALID_ARGUMENT') for a malformed pattern such as "[a".
 */
export function matchesReferencePattern(pattern: string, ref: ImageReference): boolean {
  const glob = compileGlob(pattern);
  return matchGlob(glob, familiarString(ref)) || matchGlob(glob, familiarName(ref));
}

function withSuffixes(name: string, ref: ImageReference): string {
  const tag = ref.tag === undefined ? '' : `:${ref.tag}`;
  const digest = ref.digest === undefined ? '' : `@${ref.digest}`;
  return `${name}${tag}${digest}`;
}

/** Returns the reference, or the problem in words. */
function analyse(input: string, addDefaultTag: boolean): ImageReference | string {
  if (input === '') return 'the reference is empty; give an image name such as "redis" or "ghcr.io/owner/app:1.0"';
  if (/\s/.test(input)) return 'it contains whitespace; an image reference never contains spaces, tabs or line breaks';
  if (isImageId(input)) {
    return 'a 64-character hexadecimal string is an image ID and cannot be used as a repository name (Docker: "cannot specify 64-byte hexadecimal strings"); refer to an image by content as "name@sha256:<hex>"';
  }

  const at = input.indexOf('@');
  const nameAndTag = at < 0 ? input : input.slice(0, at);
  const digest = at < 0 ? undefined : input.slice(at + 1);
  if (nameAndTag === '') return 'there is no repository name before "@"; give one, e.g. "redis@sha256:<hex>"';

  const split = splitDomain(nameAndTag);
  if (split.explicit) {
    const problem = explainDomain(split.domain);
    if (problem !== undefined) {
      // Docker only took this for a host because it has uppercase letters; the user meant a namespace.
      return split.byCase ? `repository name must be lowercase: "${split.domain}" has uppercase letters; use "${split.domain.toLowerCase()}"` : problem;
    }
  }

  const colon = split.remote.indexOf(':');
  const remotePath = colon < 0 ? split.remote : split.remote.slice(0, colon);
  const tag = colon < 0 ? undefined : split.remote.slice(colon + 1);
  if (tag === '') return 'the tag after ":" is empty; remove the ":" or give a tag such as "latest"';
  if (remotePath === '') {
    return split.explicit
      ? `there is no repository name after "${split.domain}/"; give one, e.g. "${split.domain}/team/app"`
      : 'there is no repository name before ":"; give one, e.g. "redis:7"';
  }

  // Docker Hub's official images live under library/; other registries have no such convention.
  const path = split.domain === DEFAULT_DOMAIN && !remotePath.includes('/') ? OFFICIAL_REPO_PREFIX + remotePath : remotePath;
  const problem =
    explainPath(path) ?? (tag === undefined ? undefined : explainTag(tag)) ?? (digest === undefined ? undefined : explainDigest(digest));
  if (problem !== undefined) return problem;

  const ref: ImageReference = { domain: split.domain, path };
  if (tag !== undefined) ref.tag = tag;
  else if (digest === undefined && addDefaultTag) ref.tag = DEFAULT_TAG;
  if (digest !== undefined) ref.digest = digest;
  return ref;
}

interface DomainSplit {
  domain: string;
  /** Path plus optional ":tag", without the library/ prefix. */
  remote: string;
  /** Whether the input named the registry itself rather than relying on the Docker Hub default. */
  explicit: boolean;
  /** Whether the first component counts as a host only because it has uppercase letters. */
  byCase: boolean;
}

/** distribution's splitDockerDomain: when is the first component a registry host? */
function splitDomain(name: string): DomainSplit {
  const slash = name.indexOf('/');
  // A single component is always a Docker Hub name, so "localhost:5000" is the image "localhost" tagged "5000".
  if (slash < 0) return { domain: DEFAULT_DOMAIN, remote: name, explicit: false, byCase: false };
  const first = name.slice(0, slash);
  const rest = name.slice(slash + 1);
  if (first === LEGACY_DEFAULT_DOMAIN) return { domain: DEFAULT_DOMAIN, remote: rest, explicit: true, byCase: false };
  if (first === 'localhost' || /[.:]/.test(first)) return { domain: first, remote: rest, explicit: true, byCase: false };
  // Namespaces must be lowercase, so Docker reads an uppercase first component as a host name.
  if (first.toLowerCase() !== first) return { domain: first, remote: rest, explicit: true, byCase: true };
  return { domain: DEFAULT_DOMAIN, remote: name, explicit: false, byCase: false };
}

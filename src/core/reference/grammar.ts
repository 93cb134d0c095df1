// The distribution reference grammar (github.com/distribution/reference, regexp.go), split into
// per-part checks. A regexp over the whole string can only say "invalid reference format"; checking
// each part separately lets the message name the part that is wrong and how to fix it.
// Each `explain*` function returns undefined when the part is valid, else the problem in words.

import { tryParseDigest } from '../digest';

/** distribution's RepositoryNameTotalLengthMax; it limits the path only, never the domain. */
export const MAX_PATH_LENGTH = 255;

const MAX_TAG_LENGTH = 128;

/** `[\w][\w.-]{0,127}`; \w is ASCII-only here, as in Go's RE2. */
const TAG = /^\w[\w.-]{0,127}$/;

/** A content-addressable image ID: a sha256 digest without its algorithm. */
const IMAGE_ID = /^[a-f0-9]{64}$/;

/** One path component: alphanumeric runs joined by ".", "_", "__" or any run of "-". */
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

const DOMAIN_LABEL = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;

/** Zone identifiers (%eth0) and IPv4-mapped forms are deliberately excluded, as distribution does. */
const IPV6_INSIDE_BRACKETS = /^[a-fA-F0-9:]+$/;

/** The structural digest grammar; whether the algorithm is supported is decided by tryParseDigest. */
const DIGEST_SHAPE = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-zA-Z]+$/;

/** Only used to word the message; digest.ts stays the authority on which digests are accepted. */
const HEX_LENGTH: Record<string, number> = { sha256: 64, sha512: 128 };

export function isImageId(value: string): boolean {
  return IMAGE_ID.test(value);
}

export function isValidTagSyntax(tag: string): boolean {
  return TAG.test(tag);
}

export function explainTag(tag: string): string | undefined {
  if (TAG.test(tag)) return undefined;
  if (tag === '') return 'the tag is empty; give a tag such as "latest"';
  const bad = [...tag].find((ch) => !/[\w.-]/.test(ch));
  if (bad !== undefined) {
    return `tag "${tag}" contains the invalid character ${quoteChar(bad)}; a tag may only contain letters, digits, "_", "." and "-"`;
  }
  if (tag.length > MAX_TAG_LENGTH) {
    return `tag must not be more than ${MAX_TAG_LENGTH} characters (it has ${tag.length}); use a shorter tag`;
  }
  return `tag "${tag}" must start with a letter, digit or "_", not "${tag[0]}"`;
}

/** `domain` is the first path element, already known to be meant as a registry host. */
export function explainDomain(domain: string): string | undefined {
  if (domain.startsWith('[')) return explainBracketedHost(domain);

  const colon = domain.indexOf(':');
  const host = colon < 0 ? domain : domain.slice(0, colon);
  if (colon >= 0) {
    const port = domain.slice(colon + 1);
    if (port.includes(':')) {
      return `registry host "${domain}" looks like an IPv6 address; put the address in brackets, e.g. "[::1]:5000/name"`;
    }
    const portProblem = explainPort(domain, port);
    if (portProblem) return portProblem;
  }
  if (host === '') return `registry host "${domain}" has no host name before the port`;
  for (const label of host.split('.')) {
    if (label === '') return `registry host "${domain}" has an empty part between dots`;
    if (!DOMAIN_LABEL.test(label)) {
      return `registry host "${domain}" is not a valid host name: "${label}" may only contain letters, digits and "-", and must not start or end with "-"`;
    }
  }
  return undefined;
}

function explainBracketedHost(domain: string): string | undefined {
  const close = domain.indexOf(']');
  if (close < 0) return `registry host "${domain}" is missing the closing "]" of its IPv6 address`;
  const address = domain.slice(1, close);
  if (!IPV6_INSIDE_BRACKETS.test(address)) {
    return `registry host "${domain}" is not a valid IPv6 address: only hex digits and ":" are allowed between the brackets (zone IDs such as "%eth0" are not supported)`;
  }
  const rest = domain.slice(close + 1);
  if (rest === '') return undefined;
  if (!rest.startsWith(':')) return `registry host "${domain}" has unexpected text after "]"; only ":port" may follow the address`;
  return explainPort(domain, rest.slice(1));
}

function explainPort(domain: string, port: string): string | undefined {
  if (port === '') return `registry host "${domain}" has an empty port after ":"; remove the ":" or give a port number`;
  if (!/^[0-9]+$/.test(port)) return `registry host "${domain}" has port "${port}", which is not a number`;
  return undefined;
}

/** `path` is the repository path after the domain, e.g. "library/redis". */
export function explainPath(path: string): string | undefined {
  if (path === '') return 'the repository name is empty; give a name such as "redis" or "registry.example.com/team/app"';
  const components = path.split('/');
  const upper = components.find((c) => c.toLowerCase() !== c);
  if (upper !== undefined) return `repository name must be lowercase: "${upper}" has uppercase letters; use "${upper.toLowerCase()}"`;
  for (const component of components) {
    const problem = explainPathComponent(component);
    if (problem) return problem;
  }
  if (path.length > MAX_PATH_LENGTH) {
    return `repository name must not be more than ${MAX_PATH_LENGTH} characters (the path "${abbreviate(path)}" has ${path.length}); use a shorter name`;
  }
  return undefined;
}

function explainPathComponent(component: string): string | undefined {
  if (PATH_COMPONENT.test(component)) return undefined;
  if (component === '') {
    return 'the repository name has an empty path component; remove the extra "/" (look for "//" or a "/" at the start or end)';
  }
  const bad = [...component].find((ch) => !/[a-z0-9._-]/.test(ch));
  if (bad !== undefined) {
    return `repository name component "${component}" contains the invalid character ${quoteChar(bad)}; use only lowercase letters, digits, ".", "_" and "-"`;
  }
  if (!/^[a-z0-9]/.test(component) || !/[a-z0-9]$/.test(component)) {
    return `repository name component "${component}" must start and end with a lowercase letter or digit`;
  }
  return `repository name component "${component}" has an invalid separator; between letters and digits use one ".", one or two "_", or any number of "-"`;
}

export function explainDigest(digest: string): string | undefined {
  if (tryParseDigest(digest)) return undefined;
  if (digest === '') return 'the digest after "@" is empty; remove the "@" or give a digest such as "sha256:<64 hex digits>"';
  const colon = digest.indexOf(':');
  if (colon < 0 || !DIGEST_SHAPE.test(digest)) {
    return `digest "${abbreviate(digest)}" is malformed; a digest is "algorithm:hex", e.g. "sha256:" followed by 64 lowercase hex digits`;
  }
  const algorithm = digest.slice(0, colon);
  const hex = digest.slice(colon + 1);
  const expectedLength = HEX_LENGTH[algorithm];
  if (expectedLength === undefined) {
    return `digest algorithm "${algorithm}" is not supported; use a sha256 or sha512 digest`;
  }
  if (/[^0-9a-fA-F]/.test(hex)) return `digest "${abbreviate(digest)}" contains characters that are not hex digits`;
  if (/[A-F]/.test(hex)) return `digest "${abbreviate(digest)}" must use lowercase hex digits; use "${algorithm}:${hex.toLowerCase()}"`;
  return `a ${algorithm} digest must have ${expectedLength} hex digits, but "${abbreviate(digest)}" has ${hex.length}`;
}

function quoteChar(ch: string): string {
  return /^[\x21-\x7e]$/.test(ch) ? `"${ch}"` : JSON.stringify(ch);
}

/** Keeps messages readable when the offending value is very long. */
export function abbreviate(value: string, max = 80): string {
  return value.length <= max ? value : `${value.slice(0, max - 1)}…`;
}

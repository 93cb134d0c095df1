// Whether the docker-reference a signature claims is acceptable for the image being pulled, under
// the policy's signedIdentity (c/image's prm* matchers). Both sides are compared as normalised
// strings: the signature's reference is normalised as `docker pull` would ("busybox" means
// docker.io/library/busybox) but never given a default tag, since a signature must say exactly
// what it signs.

import { formatReference, repositoryName, tryParseReference, type ImageReference } from '../reference/reference';
import type { SignedIdentity } from './policyTypes';

export function identityMatches(rule: SignedIdentity, intended: ImageReference, signedReference: string): boolean {
  const signed = tryParseReference(signedReference, { defaultTag: false });
  if (!signed) return false;
  switch (rule.type) {
    case 'matchExact':
      return isTaggedOrDigested(intended) && isTaggedOrDigested(signed) && exactString(intended) === exactString(signed);
    case 'matchRepoDigestOrExact':
      return matchRepoDigestOrExact(intended, signed);
    case 'matchRepository':
      return repositoryName(intended) === repositoryName(signed);
    case 'exactReference': {
      const wanted = tryParseReference(rule.dockerReference, { defaultTag: false });
      return !!wanted && isTaggedOrDigested(signed) && exactString(wanted) === exactString(signed);
    }
    case 'exactRepository': {
      const wanted = tryParseReference(rule.dockerRepository, { defaultTag: false });
      return !!wanted && repositoryName(wanted) === repositoryName(signed);
    }
    case 'remapIdentity': {
      const remapped = remap(intended, rule.prefix, rule.signedPrefix);
      return matchRepoDigestOrExact(remapped ?? intended, signed);
    }
  }
}

/** What the rule wants, in words, for the message when a signature's identity is refused. */
export function describeIdentityRule(rule: SignedIdentity, intended: ImageReference): string {
  switch (rule.type) {
    case 'matchExact':
      return `exactly ${exactString(intended)}`;
    case 'matchRepoDigestOrExact':
      return intended.digest ? `a reference in repository ${repositoryName(intended)}` : `exactly ${exactString(intended)}`;
    case 'matchRepository':
      return `a reference in repository ${repositoryName(intended)}`;
    case 'exactReference':
      return `exactly ${rule.dockerReference}`;
    case 'exactRepository':
      return `a reference in repository ${rule.dockerRepository}`;
    case 'remapIdentity': {
      const remapped = remap(intended, rule.prefix, rule.signedPrefix) ?? intended;
      return remapped.digest ? `a reference in repository ${repositoryName(remapped)}` : `exactly ${exactString(remapped)}`;
    }
  }
}

function matchRepoDigestOrExact(intended: ImageReference, signed: ImageReference): boolean {
  if (intended.digest) return repositoryName(intended) === repositoryName(signed);
  if (intended.tag) return isTaggedOrDigested(signed) && exactString(intended) === exactString(signed);
  return false;
}

/** The intended reference with `prefix` replaced by `signedPrefix`, when the prefix applies. */
function remap(intended: ImageReference, prefix: string, signedPrefix: string): ImageReference | undefined {
  const full = exactString(intended);
  if (!full.startsWith(prefix)) return undefined;
  const next = full.charAt(prefix.length);
  // A prefix matches whole components only: "example.com/a" covers "example.com/a/b" and
  // "example.com/a:tag", never "example.com/ab".
  if (next !== '/' && next !== ':' && next !== '@') return undefined;
  return tryParseReference(signedPrefix + full.slice(prefix.length), { defaultTag: false }) ?? undefined;
}

function isTaggedOrDigested(ref: ImageReference): boolean {
  return !!(ref.tag || ref.digest);
}

function exactString(ref: ImageReference): string {
  // As c/image keeps a reference: a digest wins over a tag.
  if (ref.digest) return formatReference({ domain: ref.domain, path: ref.path, digest: ref.digest });
  return formatReference(ref.tag ? { domain: ref.domain, path: ref.path, tag: ref.tag } : { domain: ref.domain, path: ref.path });
}

// Which requirements apply to an image: c/image's lookup for the docker transport. The most
// specific scope wins: the exact reference ("host/repo:tag" or "host/repo@digest"), then the
// repository, each parent namespace and the host, then wildcard hosts ("*.example.com", most
// labels first), then the transport's "" scope, then the policy's default.

import { formatReference, type ImageReference } from '../reference/reference';
import type { PolicyRequirement, TrustPolicy } from './policyTypes';

export interface AppliedScope {
  /** The scope key that matched, as written in the policy; "default" for the policy's default. */
  scope: string;
  /** Where it is in the file: 'transports.docker["…"]' or 'default'. */
  where: string;
  requirements: PolicyRequirement[];
}

/** The scopes c/image tries for a reference, most specific first (without "" and default). */
export function dockerScopesFor(ref: ImageReference): string[] {
  const name = `${ref.domain}/${ref.path}`;
  const scopes = [formatReference(ref.digest ? { domain: ref.domain, path: ref.path, digest: ref.digest } : { domain: ref.domain, path: ref.path, tag: ref.tag ?? 'latest' })];
  for (let n = name; ; ) {
    scopes.push(n);
    const slash = n.lastIndexOf('/');
    if (slash < 0) break;
    n = n.slice(0, slash);
  }
  for (let host = ref.domain; ; ) {
    const dot = host.indexOf('.');
    if (dot < 0) break;
    host = host.slice(dot + 1);
    scopes.push(`*.${host}`);
  }
  return scopes;
}

export function requirementsFor(policy: TrustPolicy, ref: ImageReference): AppliedScope {
  const docker = policy.transports.docker;
  if (docker) {
    for (const scope of dockerScopesFor(ref)) {
      const found = docker[scope];
      if (found) return { scope, where: `transports.docker[${JSON.stringify(scope)}]`, requirements: found };
    }
    if (docker['']) return { scope: '', where: 'transports.docker[""]', requirements: docker[''] };
  }
  return { scope: 'default', where: 'default', requirements: policy.default };
}

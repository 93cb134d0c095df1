// Lists that registries serve a page at a time: a repository's tags (/v2/NAME/tags/list) and the
// catalog of repositories (/v2/_catalog). Each page asks for `n` entries; the next page is the
// `Link: <…>; rel="next"` URL, followed until there is none. A registry that ignores `n` and sends
// everything at once (distribution 2.8 does for tags) is handled the same way.

import { StevedoreError } from '../errors';
import { repositoryScope } from './bearerTokens';
import type { RegistryClient } from './registryClient';

export interface PageOptions {
  /** Entries asked for per page (default 100; ECR refuses more than 1000). */
  pageSize?: number;
  signal?: AbortSignal;
  /** Stop after this many entries (default: all). */
  limit?: number;
}

/** Extracts the rel="next" target of a Link header. */
export function nextLink(header: string | string[] | undefined): string | undefined {
  const values = Array.isArray(header) ? header : header ? [header] : [];
  for (const value of values) {
    for (const part of value.split(/,(?=\s*<)/)) {
      const match = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
      if (match && /(^|;)\s*rel\s*=\s*"?next"?\s*(;|$)/i.test(match[2]!)) return match[1]!;
    }
  }
  return undefined;
}

export async function listTags(client: RegistryClient, repository: string, options: PageOptions = {}): Promise<string[]> {
  return collectPages(client, `/v2/${repository}/tags/list`, 'tags', [repositoryScope(repository, 'pull')], `the tags of ${client.domain}/${repository}`, options);
}

export async function listRepositories(client: RegistryClient, options: PageOptions = {}): Promise<string[]> {
  return collectPages(client, '/v2/_catalog', 'repositories', ['registry:catalog:*'], `the catalog of ${client.domain}`, options);
}

async function collectPages(client: RegistryClient, path: string, field: 'tags' | 'repositories', scopes: string[], what: string, options: PageOptions): Promise<string[]> {
  const pageSize = options.pageSize ?? 100;
  const out: string[] = [];
  const seenPages = new Set<string>();
  let url: string | undefined = `${path}?n=${pageSize}`;
  while (url !== undefined) {
    if (seenPages.has(url)) throw new StevedoreError('REGISTRY_ERROR', `${client.domain} sent a "next" link that loops while listing ${what}.`);
    seenPages.add(url);
    const res = await client.request({ method: 'GET', url, scopes, ...(options.signal ? { signal: options.signal } : {}) });
    if (res.status !== 200) throw await client.errorFrom(res, what);
    let page: Record<string, unknown>;
    try {
      page = (await res.body.json()) as Record<string, unknown>;
    } catch {
      throw new StevedoreError('REGISTRY_ERROR', `${client.domain} answered with something that is not JSON while listing ${what}.`);
    }
    const entries = page[field];
    // A repository without tags is answered with "tags": null by some registries.
    if (entries !== null && entries !== undefined && !Array.isArray(entries)) {
      throw new StevedoreError('REGISTRY_ERROR', `${client.domain} answered without a "${field}" list while listing ${what}.`);
    }
    for (const entry of entries ?? []) if (typeof entry === 'string') out.push(entry);
    if (options.limit !== undefined && out.length >= options.limit) return out.slice(0, options.limit);
    const next = nextLink(res.headers.link);
    url = next === undefined ? undefined : client.resolve(next).href;
  }
  return out;
}

// One page of a registry's catalog (/v2/_catalog), for views that show repositories a page at a
// time with a "Load more…" item instead of fetching a catalog of 100,000 names at once. The cursor
// is the `Link: <…>; rel="next"` target the registry sent, resolved to an absolute URL.

import { StevedoreError } from '../errors';
import { nextLink } from './pagedLists';
import type { RegistryClient } from './registryClient';

export interface CatalogPage {
  repositories: string[];
  /** Where the next page is, when the registry said there is one. */
  next?: string;
}

export interface CatalogPageOptions {
  /** The `next` of the previous page; none for the first page. */
  cursor?: string;
  /** Entries asked for (default 100). A registry may send fewer, or ignore it and send all. */
  pageSize?: number;
  signal?: AbortSignal;
}

export async function fetchCatalogPage(client: RegistryClient, options: CatalogPageOptions = {}): Promise<CatalogPage> {
  const url = options.cursor ?? `/v2/_catalog?n=${options.pageSize ?? 100}`;
  const what = `the catalog of ${client.domain}`;
  const res = await client.request({ method: 'GET', url, scopes: ['registry:catalog:*'], ...(options.signal ? { signal: options.signal } : {}) });
  if (res.status !== 200) throw await client.errorFrom(res, what);
  let body: { repositories?: unknown };
  try {
    body = (await res.body.json()) as { repositories?: unknown };
  } catch {
    throw new StevedoreError('REGISTRY_ERROR', `${client.domain} answered with something that is not JSON while listing ${what}.`);
  }
  if (body.repositories !== null && body.repositories !== undefined && !Array.isArray(body.repositories)) {
    throw new StevedoreError('REGISTRY_ERROR', `${client.domain} answered without a "repositories" list while listing ${what}.`);
  }
  const repositories = (body.repositories ?? []).filter((r): r is string => typeof r === 'string');
  const link = nextLink(res.headers.link);
  const next = link === undefined ? undefined : client.resolve(link).href;
  // A "next" that points back at this page would make "Load more…" repeat forever.
  return next !== undefined && next !== url && repositories.length > 0 ? { repositories, next } : { repositories };
}

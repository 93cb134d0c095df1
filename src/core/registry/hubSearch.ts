// Docker Hub's search API, as the Docker daemon calls it: GET {index}/v1/search?q=TERM&n=LIMIT,
// answering {query, num_results, results: [{name, description, star_count, is_official,
// is_automated}]}. Filters (stars, is-official, is-automated) are applied here, client-side, with
// the daemon's rules; `is_automated` is deprecated and always reported false.

import { trustingDispatcher } from './dispatchers';
import { CancelledError, StevedoreError } from '../errors';
import { isLoopbackHost } from './registryHost';
import { DEFAULT_SEARCH_ENDPOINT, type RegistryOptions } from './registryOptions';

export interface SearchResult {
  name: string;
  description: string;
  star_count: number;
  is_official: boolean;
  is_automated: boolean;
}

export interface SearchFilters {
  /** Only results with at least this many stars. */
  stars?: number;
  isOfficial?: boolean;
  /** Deprecated by Docker Hub: `true` yields nothing, as in Docker. */
  isAutomated?: boolean;
}

export interface HubSearchOptions {
  term: string;
  /** 1–100; Docker Hub's default is 25. */
  limit?: number;
  filters?: SearchFilters;
  signal?: AbortSignal;
}

export const DEFAULT_SEARCH_LIMIT = 25;
const MAX_RESPONSE = 4 * 1024 * 1024;

export function checkSearchLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw new StevedoreError('INVALID_ARGUMENT', `limit ${limit} is outside the range of [1, 100]`);
  }
}

export async function searchDockerHub(options: RegistryOptions, search: HubSearchOptions): Promise<SearchResult[]> {
  const limit = search.limit ?? DEFAULT_SEARCH_LIMIT;
  checkSearchLimit(limit);
  if (search.filters?.isAutomated) return [];
  const endpoint = new URL('/v1/search', options.searchEndpoint ?? DEFAULT_SEARCH_ENDPOINT);
  // An official image is searched for by its short name ("library/redis" → "redis").
  endpoint.searchParams.set('q', search.term.replace(/^library\//, ''));
  endpoint.searchParams.set('n', String(limit));
  const agent = await trustingDispatcher(endpoint, options.proxy, options.extraCaFile, { rejectUnauthorized: !isLoopbackHost(endpoint.host) });
  let text: string;
  try {
    const res = await agent.request({
      origin: endpoint.origin,
      path: `${endpoint.pathname}${endpoint.search}`,
      method: 'GET',
      headers: { accept: 'application/json', 'user-agent': options.userAgent ?? 'stevedore' },
      signal: search.signal ?? null,
    });
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of res.body) {
      total += (chunk as Buffer).length;
      if (total > MAX_RESPONSE) throw new StevedoreError('REGISTRY_ERROR', `The search service at ${endpoint.host} sent more than 4 MiB; refusing it.`);
      chunks.push(chunk as Buffer);
    }
    text = Buffer.concat(chunks).toString('utf8');
    if (res.statusCode !== 200) {
      throw new StevedoreError('REGISTRY_ERROR', `The search service at ${endpoint.host} answered HTTP ${res.statusCode}. Try again later.`, { temporary: res.statusCode >= 500 || res.statusCode === 429, detail: { status: res.statusCode } });
    }
  } catch (err) {
    if (search.signal?.aborted) throw new CancelledError();
    if (err instanceof StevedoreError) throw err;
    throw new StevedoreError('NETWORK_ERROR', `Could not reach the search service at ${endpoint.host} (${(err as Error).message}). Check the network, or set another search endpoint.`, { cause: err, temporary: true });
  } finally {
    await agent.close().catch(() => undefined);
  }
  return filterResults(parseResults(text, endpoint.host), search.filters ?? {});
}

function parseResults(text: string, host: string): SearchResult[] {
  let body: { results?: unknown };
  try {
    body = JSON.parse(text) as { results?: unknown };
  } catch {
    throw new StevedoreError('REGISTRY_ERROR', `The search service at ${host} answered with something that is not JSON.`);
  }
  if (!Array.isArray(body.results)) throw new StevedoreError('REGISTRY_ERROR', `The search service at ${host} answered without a "results" list.`);
  return body.results
    .filter((r): r is Record<string, unknown> => typeof r === 'object' && r !== null && typeof (r as { name?: unknown }).name === 'string')
    .map((r) => ({
      name: r.name as string,
      description: typeof r.description === 'string' ? r.description : '',
      star_count: typeof r.star_count === 'number' ? r.star_count : 0,
      is_official: r.is_official === true,
      // Docker Hub's value is untrustworthy; the daemon forces it to false and so do we.
      is_automated: false,
    }));
}

export function filterResults(results: readonly SearchResult[], filters: SearchFilters): SearchResult[] {
  if (filters.isAutomated) return [];
  return results.filter((r) => {
    if (filters.isOfficial !== undefined && r.is_official !== filters.isOfficial) return false;
    if (filters.stars !== undefined && r.star_count < filters.stars) return false;
    return true;
  });
}

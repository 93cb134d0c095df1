// Searching a private registry, which `docker search` cannot do: the registry's catalog (all pages
// of /v2/_catalog) filtered by the term, shaped like Docker Hub's results so one display serves both.

import { listRepositories } from './pagedLists';
import type { RegistryClients } from './registryClients';
import { filterResults, type SearchFilters, type SearchResult } from './hubSearch';

export interface CatalogSearchOptions {
  /** The registry as references name it: "localhost:5000". */
  registry: string;
  /** Matched case-insensitively anywhere in the repository path; empty lists every repository. */
  term: string;
  limit?: number;
  filters?: SearchFilters;
  pageSize?: number;
  signal?: AbortSignal;
}

export async function searchCatalog(clients: RegistryClients, options: CatalogSearchOptions): Promise<SearchResult[]> {
  const client = clients.for(options.registry);
  const repositories = await listRepositories(client, { ...(options.pageSize ? { pageSize: options.pageSize } : {}), ...(options.signal ? { signal: options.signal } : {}) });
  const term = options.term.toLowerCase();
  const found = repositories
    .filter((repo) => repo.toLowerCase().includes(term))
    .map((repo): SearchResult => ({ name: `${client.domain}/${repo}`, description: '', star_count: 0, is_official: false, is_automated: false }));
  const filtered = filterResults(found, options.filters ?? {});
  return options.limit === undefined ? filtered : filtered.slice(0, options.limit);
}

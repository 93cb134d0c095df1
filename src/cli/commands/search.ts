// `stevedore search [--limit N] [--no-trunc] [--filter …] [--format …] TERM` — Docker Hub's search, as
// `docker search` shows it; `REGISTRY/TERM` or `--registry REGISTRY` searches a private registry's
// catalog instead, which `docker search` cannot do.

import { StevedoreError } from '../../core/errors';
import { ellipsis } from '../format/ellipsis';
import { parseBoolFilter, parseFilters } from '../../core/format/filters';
import { formatList } from '../format/table';
import { searchCatalog } from '../../core/registry/catalogSearch';
import { checkSearchLimit, DEFAULT_SEARCH_LIMIT, searchDockerHub, type SearchFilters, type SearchResult } from '../../core/registry/hubSearch';
import { isDockerHub } from '../../core/registry/registryHost';
import { boolFlag, intFlag, listFlag, stringFlag, type Command } from '../command';
import { INSECURE_REGISTRY_FLAG, registryOptions, withRegistries } from '../registrySettings';

export const searchCommand: Command = {
  usage: 'stevedore search [OPTIONS] TERM',
  minArgs: 1,
  maxArgs: 1,
  flags: [
    { name: 'filter', short: 'f', kind: 'list', valueName: 'filter', description: 'Filter output based on conditions provided' },
    { name: 'format', kind: 'string', valueName: 'string', description: 'Pretty-print search using a Go template' },
    { name: 'limit', kind: 'int', valueName: 'int', description: 'Max number of search results' },
    { name: 'no-trunc', kind: 'bool', description: "Don't truncate output" },
    { name: 'registry', kind: 'string', valueName: 'host', description: "Search this registry's catalog instead of Docker Hub" },
    INSECURE_REGISTRY_FLAG,
  ],
  async run(ctx, args, flags) {
    const input = args[0]!;
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(input)) {
      throw new StevedoreError('INVALID_ARGUMENT', `invalid repository name: repository name (${input}) should not have a scheme`);
    }
    const limit = intFlag(flags, 'limit') || DEFAULT_SEARCH_LIMIT;
    checkSearchLimit(limit);
    const filters = searchFilters(listFlag(flags, 'filter'));
    const { registry, term } = splitSearchTerm(input, stringFlag(flags, 'registry'));
    const results = registry
      ? await withRegistries(ctx, flags, (clients) => searchCatalog(clients, { registry, term, limit, filters, signal: ctx.signal }))
      : await searchDockerHub(registryOptions(ctx, flags), { term, limit, filters, signal: ctx.signal });
    const format = stringFlag(flags, 'format');
    // Docker's search context prints booleans as "true"/"false" only when marshalled to JSON.
    const json = format !== undefined && /^\s*(json|\{\{\s*json\s+\.\s*\}\})\s*$/.test(format);
    const trunc = !boolFlag(flags, 'no-trunc');
    ctx.stdout.write(
      formatList({
        format,
        defaultTable: 'table {{.Name}}\t{{.Description}}\t{{.StarCount}}\t{{.IsOfficial}}',
        rows: results.map((r) => searchRow(r, trunc, json)),
        headers: { Name: 'NAME', Description: 'DESCRIPTION', StarCount: 'STARS', IsOfficial: 'OFFICIAL' },
      }),
    );
    return 0;
  },
};

/** The daemon's accepted filters, with its error wording. */
function searchFilters(values: readonly string[]): SearchFilters {
  const parsed = parseFilters(values, ['stars', 'is-official', 'is-automated']);
  const filters: SearchFilters = {};
  for (const star of parsed.get('stars') ?? []) {
    if (!/^-?\d+$/.test(star)) throw new StevedoreError('INVALID_ARGUMENT', `invalid filter 'stars=${star}'`);
    filters.stars = Math.max(filters.stars ?? 0, Number(star));
  }
  const official = parsed.get('is-official');
  if (official) filters.isOfficial = parseBoolFilter(official, 'is-official');
  const automated = parsed.get('is-automated');
  if (automated) filters.isAutomated = parseBoolFilter(automated, 'is-automated');
  return filters;
}

/** Docker's splitReposSearchTerm: a first component with "." or ":" (or "localhost") names a registry. */
export function splitSearchTerm(input: string, registryFlag: string | undefined): { registry?: string; term: string } {
  if (registryFlag) return isDockerHub(registryFlag) ? { term: input } : { registry: registryFlag, term: input };
  const slash = input.indexOf('/');
  if (slash < 0) return { term: input };
  const first = input.slice(0, slash);
  if (!first.includes('.') && !first.includes(':') && first !== 'localhost') return { term: input };
  if (isDockerHub(first)) return { term: input.slice(slash + 1) };
  return { registry: first, term: input.slice(slash + 1) };
}

function searchRow(result: SearchResult, trunc: boolean, json: boolean): Record<string, string> {
  const description = result.description.replace(/\n/g, ' ').replace(/\r/g, ' ');
  return {
    Name: result.name,
    Description: trunc ? ellipsis(description, 45) : description,
    StarCount: String(result.star_count),
    IsOfficial: json ? String(result.is_official) : result.is_official ? '[OK]' : '',
  };
}

// `--format` for list commands, as docker/cli's formatter.Context handles it:
// - no format, or exactly "table": the command's default table (or the quiet template with -q);
// - "table …" (any format starting with "table"): a header row rendered from the column names,
//   then one row per item, aligned by the tabwriter;
// - "json": "{{json .}}", one JSON object per line;
// - anything else: the template once per item, each followed by a newline, with no header.
// Before parsing, the format is trimmed of spaces and the two-character sequences "\t" and "\n"
// become a tab and a newline (so, as in Docker, `{{join .X "\n"}}` becomes an unterminated string).

import { StevedoreError } from '../../core/errors';
import { marshalGoJSON } from './goJson';
import { executeTemplate, parseTemplate, type ParsedTemplate, type TemplateFunction } from './goTemplate';
import { HEADER_FUNCTIONS, templateJson } from './goTemplateFuncs';
import { tabwriteText } from './tabwriter';

export { tabwrite, tabwriteText } from './tabwriter';

export interface ListFormatOptions<T extends object> {
  /** The --format value; undefined or "" means the default table. */
  format: string | undefined;
  /** The default, e.g. "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}". */
  defaultTable: string;
  /** One object per line; each property is a column (a function-valued property is a method). */
  rows: readonly T[];
  /** Column headers by field name, e.g. { ID: 'IMAGE ID', Repository: 'REPOSITORY' }. */
  headers: Readonly<Record<string, string>>;
  /** -q/--quiet: replaces the default table, but not an explicit format (as in Docker). */
  quiet?: boolean;
  /** The quiet template; Docker's is "{{.ID}}". */
  quietTemplate?: string;
}

/**
 * What `{{json .}}` prints for a row. Docker's row contexts marshal themselves into a map of
 * their fields (formatter.MarshalJSON), so keys come out sorted and HTML characters escaped:
 * {"Digest":"\u003cnone\u003e",…}.
 */
export function rowJSON(row: object): string {
  const fields = new Map<string, unknown>();
  for (const [key, value] of Object.entries(row)) if (typeof value !== 'function') fields.set(key, value);
  return marshalGoJSON(fields, { escapeHTML: true });
}

function wrapError(err: unknown): never {
  if (err instanceof StevedoreError) throw new StevedoreError('INVALID_ARGUMENT', `template parsing error: ${err.message}`, { cause: err });
  throw err;
}

/** The format string after Docker's preFormat: the template to parse and whether it is a table. */
export function listTemplate(format: string | undefined, defaultTable: string, quiet = false, quietTemplate = '{{.ID}}'): { template: string; table: boolean } {
  let source = format ?? '';
  if (source === '' || source === 'table') source = quiet ? quietTemplate : defaultTable;
  const table = source.startsWith('table');
  let template = source;
  if (table) template = template.slice('table'.length);
  else if (source === 'json') template = '{{json .}}';
  template = template.replace(/^ +| +$/g, '').replace(/\\t/g, '\t').replace(/\\n/g, '\n');
  return { template, table };
}

/** Renders rows for a list command's --format exactly as Docker prints them. */
export function formatList<T extends object>(opts: ListFormatOptions<T>): string {
  const { template, table } = listTemplate(opts.format, opts.defaultTable, opts.quiet, opts.quietTemplate);
  // `{{json .}}` on a row uses the row's own marshaller; json of anything else is Docker's.
  const rowSet = new Set<object>(opts.rows);
  const json: TemplateFunction = {
    params: ['any'],
    call: (value) => (typeof value === 'object' && value !== null && rowSet.has(value) ? rowJSON(value) : templateJson(value)),
  };
  let parsed: ParsedTemplate;
  try {
    parsed = parseTemplate(template, { functions: { json } });
  } catch (err) {
    wrapError(err);
  }

  const body: string[] = [];
  for (const row of opts.rows) {
    try {
      executeTemplate(parsed, row, body);
    } catch (err) {
      wrapError(err);
    }
    body.push('\n');
  }
  if (!table) return body.join('');

  // Docker ignores errors while rendering the header and keeps what was written before them.
  const header: string[] = [];
  try {
    executeTemplate(parsed, new Map(Object.entries(opts.headers)), header, { functions: HEADER_FUNCTIONS });
  } catch (err) {
    if (!(err instanceof StevedoreError)) throw err;
  }
  return tabwriteText(`${header.join('')}\n${body.join('')}`);
}

// `stevedore history IMAGE` — the steps that made an image, newest first, as `docker history` shows them.

import { shortId } from '../../core/shortId';
import { createdSince } from '../../core/format/humanDuration';
import { humanSize, IMAGE_LIST_SIZE_PRECISION } from '../../core/format/humanSize';
import { formatList } from '../format/table';
import { layerSizes } from '../../core/image/contentSizes';
import { historyRows, type HistoryRow } from '../../core/image/inspectImage';
import type { CliContext } from '../context';
import { boolFlag, stringFlag, type Command } from '../command';
import { engineHistory } from '../engineImageCommands';
import { ENGINE_FLAG, ENGINE_HOST_FLAGS_LONG } from '../engineSettings';

export const historyCommand: Command = {
  usage: 'stevedore history [OPTIONS] IMAGE',
  minArgs: 1,
  maxArgs: 1,
  flags: [
    { name: 'format', kind: 'string', valueName: 'string', description: "Format output using a custom template: 'table', 'table TEMPLATE', 'json', or a Go template" },
    { name: 'human', short: 'H', kind: 'bool', default: true, description: 'Print sizes and dates in human readable format' },
    { name: 'no-trunc', kind: 'bool', description: "Don't truncate output" },
    { name: 'quiet', short: 'q', kind: 'bool', description: 'Only show image IDs' },
    ENGINE_FLAG,
    ...ENGINE_HOST_FLAGS_LONG,
  ],
  async run(ctx, args, flags) {
    const engine = stringFlag(flags, ENGINE_FLAG.name);
    const human = boolFlag(flags, 'human');
    const format = stringFlag(flags, 'format');
    const quiet = boolFlag(flags, 'quiet');
    const rows = engine ? await engineHistory(ctx, engine, args[0]!, flags) : await storeHistory(ctx, args[0]!, !quiet);
    const noTrunc = boolFlag(flags, 'no-trunc');
    const now = ctx.now();
    const data = rows.map((row) => {
      const created = row.created ? new Date(row.created) : undefined;
      const valid = created && !Number.isNaN(created.getTime()) ? created : undefined;
      const createdBy = row.createdBy.replace(/\t/g, ' ');
      // Docker formats whole seconds: RFC 3339 for CreatedAt (and for CreatedSince with -H=false).
      const createdAt = valid ? rfc3339Seconds(valid) : '';
      return {
        Comment: row.comment,
        CreatedAt: createdAt,
        CreatedBy: noTrunc ? createdBy : ellipsis(createdBy, 45),
        CreatedSince: valid ? (human ? createdSince(valid, now) : createdAt) : 'N/A',
        ID: row.id === '<missing>' || noTrunc ? row.id : shortId(row.id),
        Size: human ? humanSize(row.size, IMAGE_LIST_SIZE_PRECISION) : String(row.size),
      };
    });
    ctx.stdout.write(
      formatList({
        format,
        defaultTable: `table {{.ID}}\t${human ? '{{.CreatedSince}}' : '{{.CreatedAt}}'}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}`,
        rows: data,
        headers: { ID: 'IMAGE', CreatedSince: 'CREATED', CreatedAt: 'CREATED AT', CreatedBy: 'CREATED BY', Size: 'SIZE', Comment: 'COMMENT' },
        quiet,
        quietTemplate: '{{.ID}}',
      }),
    );
    return 0;
  },
};

/** The store's history with Docker's layer sizes (measured once per layer; -q needs none). */
async function storeHistory(ctx: CliContext, name: string, withSizes: boolean): Promise<HistoryRow[]> {
  const store = await ctx.openStore();
  const record = await store.find(name);
  const image = await store.load(record);
  return historyRows(record, image, withSizes ? await layerSizes(store, image, { signal: ctx.signal }) : undefined);
}

/** Go's time.RFC3339 ("2006-01-02T15:04:05Z07:00") in UTC: seconds, no fraction. */
function rfc3339Seconds(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** Docker's stringutils.Ellipsis: cut to `max` characters with a trailing "…". */
function ellipsis(text: string, max: number): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  return `${chars.slice(0, max - 1).join('')}…`;
}

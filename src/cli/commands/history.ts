// `stevedore history IMAGE` — the steps that made an image, newest first, as `docker history` shows them.

import { shortId } from '../../core/digest';
import { createdSince } from '../../core/format/humanDuration';
import { goTime } from '../../core/format/goTime';
import { humanSize, IMAGE_LIST_SIZE_PRECISION } from '../../core/format/humanSize';
import { formatList } from '../../core/format/table';
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
    const rows = engine ? await engineHistory(ctx, engine, args[0]!, flags) : await storeHistory(ctx, args[0]!);
    const human = boolFlag(flags, 'human');
    const noTrunc = boolFlag(flags, 'no-trunc');
    const now = ctx.now();
    const data = rows.map((row) => {
      const created = row.created ? new Date(row.created) : undefined;
      const createdBy = row.createdBy.replace(/\t/g, ' ');
      return {
        Comment: row.comment,
        CreatedAt: created ? (human ? goTime(created) : created.toISOString()) : '',
        CreatedBy: noTrunc ? createdBy : ellipsis(createdBy, 45),
        CreatedSince: created ? (human ? createdSince(created, now) : created.toISOString()) : 'N/A',
        ID: row.id === '<missing>' || noTrunc ? row.id : shortId(row.id),
        Size: human ? humanSize(row.size, IMAGE_LIST_SIZE_PRECISION) : String(row.size),
      };
    });
    ctx.stdout.write(
      formatList({
        format: stringFlag(flags, 'format'),
        defaultTable: 'table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}',
        rows: data,
        headers: { ID: 'IMAGE', CreatedSince: 'CREATED', CreatedAt: 'CREATED AT', CreatedBy: 'CREATED BY', Size: 'SIZE', Comment: 'COMMENT' },
        quiet: boolFlag(flags, 'quiet'),
        quietTemplate: '{{.ID}}',
      }),
    );
    return 0;
  },
};

async function storeHistory(ctx: CliContext, name: string): Promise<HistoryRow[]> {
  const store = await ctx.openStore();
  const record = await store.find(name);
  return historyRows(record, await store.load(record));
}

/** Docker's stringutils.Ellipsis: cut to `max` characters with a trailing "…". */
function ellipsis(text: string, max: number): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  return `${chars.slice(0, max - 1).join('')}…`;
}

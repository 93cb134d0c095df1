// `stevedore system df [-v]` — `docker system df` over the store: what the images occupy on disk
// (blobs as stored, shared ones counted once). There are no containers, volumes or build cache in
// a daemonless store; their rows are printed as Docker prints empty ones, so the output reads alike.

import { shortId } from '../../core/shortId';
import { StevedoreError } from '../../core/errors';
import { createdSince } from '../../core/format/humanDuration';
import { humanSize, IMAGE_LIST_SIZE_PRECISION } from '../../core/format/humanSize';
import { formatList } from '../format/table';
import { imageRows } from '../../core/image/imageList';
import { diskUsage, type DiskUsage } from '../../core/store/diskUsage';
import { boolFlag, stringFlag, type Command } from '../command';
import type { CliContext } from '../context';

const SUMMARY_TABLE = 'table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}';
const SUMMARY_HEADERS = { Type: 'TYPE', TotalCount: 'TOTAL', Active: 'ACTIVE', Size: 'SIZE', Reclaimable: 'RECLAIMABLE' };

export const systemDfCommand: Command = {
  usage: 'stevedore system df [OPTIONS]',
  maxArgs: 0,
  flags: [
    { name: 'format', kind: 'string', valueName: 'string', description: "Format output using a custom template: 'table', 'table TEMPLATE', 'json', or a Go template" },
    { name: 'verbose', short: 'v', kind: 'bool', description: 'Show detailed information on space usage' },
  ],
  async run(ctx, _args, flags) {
    const format = stringFlag(flags, 'format');
    const verbose = boolFlag(flags, 'verbose');
    if (verbose && format) throw new StevedoreError('INVALID_ARGUMENT', '--format cannot be combined with --verbose; use one or the other.');
    const usage = await diskUsage(await ctx.openStore(), { signal: ctx.signal });
    ctx.stdout.write(verbose ? verboseText(usage, ctx) : formatList({ format, defaultTable: SUMMARY_TABLE, rows: summaryRows(usage), headers: SUMMARY_HEADERS }));
    return 0;
  },
};

/** The fields Docker's disk-usage rows have, keys in the order `{{json .}}` sorts them. */
function summaryRows(usage: DiskUsage): Record<string, string>[] {
  const total = usage.totalSize;
  // Nothing is in use without containers, so everything is reclaimable (Docker's "(100%)").
  const images = { Active: '0', Reclaimable: total > 0 ? `${humanSize(total)} (100%)` : humanSize(0), Size: humanSize(total), TotalCount: String(usage.images.length), Type: 'Images' };
  const empty = (type: string): Record<string, string> => ({ Active: '0', Reclaimable: '0B', Size: '0B', TotalCount: '0', Type: type });
  return [images, empty('Containers'), empty('Local Volumes'), empty('Build Cache')];
}

function verboseText(usage: DiskUsage, ctx: CliContext): string {
  const now = ctx.now();
  const byImage = new Map(usage.images.map((u) => [u.record, u]));
  const rows = imageRows(usage.images.map((u) => u.record)).map((row) => {
    const u = byImage.get(row.record)!;
    const created = row.record.summary.created ? new Date(row.record.summary.created) : undefined;
    return {
      Repository: row.repository,
      Tag: row.tag,
      ID: shortId(row.record.id),
      CreatedSince: created ? createdSince(created, now) : 'N/A',
      Size: humanSize(u.size, IMAGE_LIST_SIZE_PRECISION),
      SharedSize: humanSize(u.sharedSize),
      UniqueSize: humanSize(u.size - u.sharedSize),
      Containers: '0',
    };
  });
  const table = (template: string, headers: Record<string, string>, data: readonly object[]): string => formatList({ format: `table ${template}`, defaultTable: '', rows: data, headers });
  return [
    'Images space usage:\n\n',
    table(
      '{{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}',
      { Repository: 'REPOSITORY', Tag: 'TAG', ID: 'IMAGE ID', CreatedSince: 'CREATED', Size: 'SIZE', SharedSize: 'SHARED SIZE', UniqueSize: 'UNIQUE SIZE', Containers: 'CONTAINERS' },
      rows,
    ),
    '\nContainers space usage:\n\n',
    table('{{.ID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.Size}}\t{{.CreatedSince}}\t{{.Status}}\t{{.Names}}', { ID: 'CONTAINER ID', Image: 'IMAGE', Command: 'COMMAND', LocalVolumes: 'LOCAL VOLUMES', Size: 'SIZE', CreatedSince: 'CREATED', Status: 'STATUS', Names: 'NAMES' }, []),
    '\nLocal Volumes space usage:\n\n',
    table('{{.Name}}\t{{.Links}}\t{{.Size}}', { Name: 'VOLUME NAME', Links: 'LINKS', Size: 'SIZE' }, []),
    '\nBuild cache usage: 0B\n\n',
    table('{{.ID}}\t{{.CacheType}}\t{{.Size}}\t{{.CreatedSince}}\t{{.LastUsedSince}}\t{{.UsageCount}}\t{{.Shared}}', { ID: 'CACHE ID', CacheType: 'CACHE TYPE', Size: 'SIZE', CreatedSince: 'CREATED', LastUsedSince: 'LAST USED', UsageCount: 'USAGE', Shared: 'SHARED' }, []),
  ].join('');
}

// `stevedore images [REPO[:TAG]]` — `docker images`, over the local store.

import { shortId } from '../../core/shortId';
import { parseFilters } from '../../core/format/filters';
import { createdSince } from '../../core/format/humanDuration';
import { humanSize, IMAGE_LIST_SIZE_PRECISION } from '../../core/format/humanSize';
import { formatList } from '../format/table';
import { goTime } from '../format/goTime';
import { imageSize, withContentSizes } from '../../core/image/contentSizes';
import { applyImageFilter, imageFilter, imageRows, type ImageRow } from '../../core/image/imageList';
import type { ImageRecord, ImageStore } from '../../core/store/imageStore';
import { boolFlag, listFlag, stringFlag, type Command } from '../command';
import { ENGINE_FLAG, ENGINE_HOST_FLAGS } from '../engineSettings';

export const imagesCommand: Command = {
  usage: 'stevedore images [OPTIONS] [REPOSITORY[:TAG]]',
  maxArgs: 1,
  flags: [
    { name: 'all', short: 'a', kind: 'bool', description: 'Show all images (default hides intermediate images)' },
    { name: 'digests', kind: 'bool', description: 'Show digests' },
    { name: 'filter', short: 'f', kind: 'list', valueName: 'filter', description: 'Filter output based on conditions provided' },
    { name: 'format', kind: 'string', valueName: 'string', description: "Format output using a custom template: 'table', 'table TEMPLATE', 'json', or a Go template" },
    { name: 'no-trunc', kind: 'bool', description: "Don't truncate output" },
    { name: 'quiet', short: 'q', kind: 'bool', description: 'Only show image IDs' },
    { name: 'store-size', kind: 'bool', description: 'Add a column with the bytes each image occupies in the store (compressed, as stored)' },
    ENGINE_FLAG,
    ...ENGINE_HOST_FLAGS,
  ],
  async run(ctx, args, flags) {
    const engine = stringFlag(flags, ENGINE_FLAG.name);
    if (engine) return (await import('../engineImageList')).listEngine(ctx, engine, args, flags, { headers: IMAGE_HEADERS, defaultTable: imagesTable(boolFlag(flags, 'digests'), false) });
    const store = await ctx.openStore();
    const quiet = boolFlag(flags, 'quiet');
    const format = stringFlag(flags, 'format');
    // Measuring sizes can read layers once after a pull; -q and formats without a size skip it.
    const needsSize = !quiet && (format === undefined || format.trim() === 'table' || /Size|json|\{\{\s*\.\s*\}\}/.test(format));
    const records = await store.list();
    const filters = parseFilters(listFlag(flags, 'filter'), ['dangling', 'label', 'before', 'since', 'reference']);
    if (args[0]) filters.set('reference', [...(filters.get('reference') ?? []), args[0]]);
    const digests = boolFlag(flags, 'digests');
    const listed = applyImageFilter(imageRows(records, { digests }), imageFilter(filters, records));
    const rows = needsSize ? await withRowSizes(store, listed, ctx.signal) : listed;
    const noTrunc = boolFlag(flags, 'no-trunc');
    const fields = new ImageFields(ctx.now());
    const data = rows.map((row) => imageTemplateData(row, noTrunc, fields));
    ctx.stdout.write(
      formatList({
        format,
        defaultTable: imagesTable(digests, boolFlag(flags, 'store-size')),
        rows: data,
        headers: IMAGE_HEADERS,
        quiet,
        quietTemplate: '{{.ID}}',
      }),
    );
    return 0;
  },
};

/** The rows with Docker's sizes, measuring only the images shown. */
async function withRowSizes(store: ImageStore, rows: readonly ImageRow[], signal: AbortSignal): Promise<ImageRow[]> {
  const shown = [...new Map(rows.map((r) => [r.record.manifestDigest, r.record])).values()];
  const measured = new Map((await withContentSizes(store, shown, { signal })).map((r) => [r.manifestDigest, r]));
  return rows.map((row) => ({ ...row, record: measured.get(row.record.manifestDigest) ?? row.record }));
}

/** Docker's default `images` table, with --digests' column and our --store-size one. */
function imagesTable(digests: boolean, storeSize: boolean): string {
  return `table {{.Repository}}\t{{.Tag}}${digests ? '\t{{.Digest}}' : ''}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}${storeSize ? '\t{{.StoreSize}}' : ''}`;
}

export const IMAGE_HEADERS: Record<string, string> = {
  Repository: 'REPOSITORY',
  Tag: 'TAG',
  Digest: 'DIGEST',
  ID: 'IMAGE ID',
  CreatedSince: 'CREATED',
  CreatedAt: 'CREATED AT',
  Size: 'SIZE',
  StoreSize: 'STORE SIZE',
  Containers: 'CONTAINERS',
  SharedSize: 'SHARED SIZE',
  UniqueSize: 'UNIQUE SIZE',
  VirtualSize: 'VIRTUAL SIZE',
};

/**
 * The fields Docker's image formatter exposes, keys in the order `{{json .}}` prints them, plus
 * StoreSize: Size is Docker's (uncompressed layers), StoreSize what the image takes in the store.
 * Each is worked out when a template reads it (a getter, which `{{json .}}` reads too): the
 * default table shows five of the twelve, and a time or a size costs microseconds a row. What
 * depends only on the image, not on the tag, is worked out once per image (`fields`).
 */
export function imageTemplateData(row: ImageRow, noTrunc: boolean, fields: ImageFields): Record<string, string> {
  const { record } = row;
  return {
    Containers: 'N/A',
    get CreatedAt() {
      return fields.of(record).createdAt;
    },
    get CreatedSince() {
      return fields.of(record).createdSince;
    },
    Digest: row.digest,
    ID: noTrunc ? record.id : shortId(record.id),
    Repository: row.repository,
    SharedSize: 'N/A',
    get Size() {
      return fields.of(record).size;
    },
    get StoreSize() {
      return fields.of(record).storeSize;
    },
    Tag: row.tag,
    UniqueSize: 'N/A',
    get VirtualSize() {
      return fields.of(record).size;
    },
  };
}

/** The template fields of each image, each made on first read and kept for the image's other rows. */
export class ImageFields {
  private readonly byRecord = new Map<ImageRecord, RecordFields>();
  constructor(private readonly now: Date) {}

  of(record: ImageRecord): RecordFields {
    let fields = this.byRecord.get(record);
    if (!fields) {
      fields = new RecordFields(record, this.now);
      this.byRecord.set(record, fields);
    }
    return fields;
  }
}

class RecordFields {
  private created?: Date | null;
  private sizeText?: string;
  private storeSizeText?: string;
  private createdSinceText?: string;
  private createdAtText?: string;
  constructor(
    private readonly record: ImageRecord,
    private readonly now: Date,
  ) {}

  private get createdDate(): Date | null {
    if (this.created === undefined) this.created = this.record.summary.created ? new Date(this.record.summary.created) : null;
    return this.created;
  }

  get createdAt(): string {
    if (this.createdAtText === undefined) this.createdAtText = this.createdDate ? goTime(this.createdDate) : '';
    return this.createdAtText;
  }

  get createdSince(): string {
    if (this.createdSinceText === undefined) this.createdSinceText = this.createdDate ? createdSince(this.createdDate, this.now) : 'N/A';
    return this.createdSinceText;
  }

  get size(): string {
    return (this.sizeText ??= humanSize(imageSize(this.record.summary), IMAGE_LIST_SIZE_PRECISION));
  }

  get storeSize(): string {
    return (this.storeSizeText ??= humanSize(this.record.summary.size, IMAGE_LIST_SIZE_PRECISION));
  }
}

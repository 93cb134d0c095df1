// `stevedore layers IMAGE [--layer N] [--merged] [--json]` — what each layer of an image adds,
// modifies and deletes, its two digests and sizes; with --layer, the files of one layer; with
// --merged, the union filesystem as seen after a layer.

import { shortId } from '../../core/shortId';
import { humanSize } from '../../core/format/humanSize';
import { tabwrite } from '../format/tabwriter';
import { ChangeStatus, formatMode, NodeFlag, nodeStatus, nodeType, NodeType, treePath, type CompactTree } from '../../core/layers/compactTree';
import { analyseImageLayers, type ImageLayers, type LayerAnalysis } from '../../core/layers/imageLayers';
import { UsageError } from '../args';
import type { FlagValues } from '../args';
import { boolFlag, intFlag, stringFlag, type Command } from '../command';
import { ENGINE_FLAG, ENGINE_HOST_FLAGS } from '../engineSettings';
import { imageForCli } from '../imageForCli';
import { writeLine, type CliContext } from '../context';
import { bytesOf, progressLine } from '../layerProgress';

export const layersCommand: Command = {
  usage: 'stevedore layers [OPTIONS] IMAGE',
  minArgs: 1,
  maxArgs: 1,
  flags: [
    { name: 'layer', short: 'l', kind: 'int', valueName: 'N', description: 'List the files of layer N (0 is the base layer): A added, M modified, D deleted' },
    { name: 'merged', kind: 'bool', description: 'List the merged filesystem after the layer (default: after the last layer)' },
    { name: 'json', kind: 'bool', description: 'Print JSON: the analysis, or with --layer/--merged the file tree' },
    { name: 'no-trunc', kind: 'bool', description: "Don't truncate digests and history steps" },
    ENGINE_FLAG,
    ...ENGINE_HOST_FLAGS,
  ],
  async run(ctx, args, flags) {
    const layer = intFlag(flags, 'layer');
    const merged = boolFlag(flags, 'merged');
    const json = boolFlag(flags, 'json');
    const layers = await analyseForCli(ctx, args[0]!, stringFlag(flags, ENGINE_FLAG.name), flags);
    if (layer === undefined && !merged) {
      if (json) writeLine(ctx.stdout, JSON.stringify(layers.analysis, null, 2));
      else ctx.stdout.write(layerTable(layers.analysis, boolFlag(flags, 'no-trunc')));
      return 0;
    }
    if (layer !== undefined && layer < 0) throw new UsageError(`invalid argument "${layer}" for "-l, --layer" flag: layers are numbered from 0`);
    const tree = merged ? layers.mergedTree(layer) : layers.layerTree(layer!);
    if (json) writeLine(ctx.stdout, JSON.stringify(tree));
    else ctx.stdout.write(fileList(tree));
    return 0;
  },
};

/** Finds the image and analyses its layers, showing progress on a terminal. */
export async function analyseForCli(ctx: CliContext, name: string, engine?: string, flags: FlagValues = {}): Promise<ImageLayers> {
  const { store, record } = await imageForCli(ctx, name, engine, flags);
  const image = await store.load(record);
  const progress = progressLine(ctx);
  try {
    return await analyseImageLayers(image, {
      signal: ctx.signal,
      onProgress: (p) => {
        if (p.state === 'reading') progress.show(`Reading layer ${p.layer + 1}/${p.layers} ${bytesOf(p.bytes, p.totalBytes)}`);
      },
    });
  } finally {
    progress.clear();
  }
}

function layerTable(analysis: LayerAnalysis, noTrunc: boolean): string {
  const digest = (d: string | null): string => (d === null ? '<none>' : noTrunc ? d : `sha256:${shortId(d)}`);
  const lines = ['LAYER\tDIGEST\tDIFF ID\tSIZE\tUNCOMPRESSED\tADDED\tMODIFIED\tDELETED\tWASTED\tCREATED BY'];
  for (const l of analysis.layers) {
    const step = l.historyIndex === null ? undefined : analysis.history[l.historyIndex];
    const createdBy = (step?.createdBy || step?.comment || '').replace(/\s+/g, ' ').trim();
    const c = l.changes;
    lines.push(
      [
        l.index,
        digest(l.digest),
        digest(l.diffId),
        humanSize(l.size),
        humanSize(l.uncompressedSize),
        c.added,
        c.modified,
        c.deleted,
        humanSize(c.wastedBytes),
        noTrunc ? createdBy : ellipsis(createdBy, 45),
      ].join('\t'),
    );
  }
  const summary = [
    '',
    `Files: ${humanSize(analysis.finalBytes)} visible in ${analysis.finalFiles} files, ${humanSize(analysis.contentBytes)} stored in the layers`,
    `Wasted: ${humanSize(analysis.wastedBytes)} (stored, then overwritten or deleted by a later layer)`,
    `Efficiency: ${percent(analysis.efficiency)} (dive's score)`,
  ];
  return tabwrite(lines) + summary.map((s) => `${s}\n`).join('');
}

const STATUS_LETTER = ['-', 'A', 'M', 'D'];

/**
 * One line per node, `tar -tv`-like: status (A added, M modified, D deleted, - listed unchanged,
 * blank untouched), mode, owner, size, the layer the version comes from, and the path.
 */
export function fileList(tree: CompactTree): string {
  const links = new Map(tree.links);
  const rows: string[][] = [];
  for (let i = 1; i < tree.count; i++) {
    const flags = tree.flags[i]!;
    const status = nodeStatus(flags);
    const listed = (flags & NodeFlag.listed) !== 0;
    // The layer view shows what the layer touched; untouched directories there only lead the way.
    if (tree.view === 'layer' && status === ChangeStatus.unmodified && !listed) continue;
    const type = nodeType(flags);
    const letter = status === ChangeStatus.unmodified && !listed ? ' ' : STATUS_LETTER[status]!;
    let path = treePath(tree, i);
    const link = links.get(i);
    if (link !== undefined) path += type === NodeType.hardlink ? ` link to /${link}` : ` -> ${link}`;
    // Only regular files have content of their own; a hard link's is its target's.
    const size = type === NodeType.file ? humanSize(tree.size[i]!) : '-';
    const source = tree.source[i]! >= 0 ? `L${tree.source[i]}` : '-';
    rows.push([letter, formatMode(type, tree.mode[i]!), `${tree.uid[i]}:${tree.gid[i]}`, size, source, path]);
  }
  // A loop rather than Math.max(...rows): a spread of 100,000 arguments overflows the stack.
  const widths = [1, 10, 0, 0, 0];
  for (const row of rows) for (let c = 0; c < widths.length; c++) widths[c] = Math.max(widths[c]!, row[c]!.length);
  return rows
    .map((r) => `${r[0]} ${r[1]!.padEnd(widths[1]!)} ${r[2]!.padEnd(widths[2]!)} ${r[3]!.padStart(widths[3]!)} ${r[4]!.padEnd(widths[4]!)} ${r[5]}\n`)
    .join('');
}

export function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(2)} %`;
}

function ellipsis(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

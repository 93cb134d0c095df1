// What the Images view shows, worked out from store records as plain data (no vscode, so it is
// tested in plain Node): rows grouped by repository, by registry or not at all, sorted by created
// time, name or size, dangling images only when asked, narrowed by a reference pattern; each item's
// label, description ("45MB · 9 days ago") and tooltip.

import { shortDigest, shortId } from '../../core/shortId';
import { createdSince } from '../../core/format/humanDuration';
import { humanSize, IMAGE_LIST_SIZE_PRECISION } from '../../core/format/humanSize';
import { imageSize } from '../../core/image/contentSizes';
import { createdMs, imageRows, NONE, type ImageRow } from '../../core/image/imageList';
import { formatPlatform } from '../../core/image/platform';
import { familiarName, familiarString, formatReference, matchesReferencePattern, parseReference } from '../../core/reference/reference';
import type { ImageRecord } from '../../core/store/imageStore';
import type { GroupBy, SortBy } from '../settings';

export interface ImageNode {
  kind: 'image';
  id: string;
  label: string;
  row: ImageRow;
  record: ImageRecord;
  /** The full reference this item names ("docker.io/library/redis:latest", or "repo@sha256:…"); none for an untagged image. */
  reference?: string;
  dangling: boolean;
  /** Signatures a pull verified are kept with the image (the Images view marks it). */
  signed?: boolean;
}

export interface ImageGroupNode {
  kind: 'imageGroup';
  id: string;
  label: string;
  /** What the group stands for: a familiar repository name or a registry host; undefined for untagged images. */
  key?: string;
  children: ImageNode[];
}

export type ImagesTreeNode = ImageGroupNode | ImageNode;

export interface ImageTreeOptions {
  groupBy: GroupBy;
  sortBy: SortBy;
  showDangling: boolean;
  /** A `reference=` pattern ("redis", "team/*", "*:1.0"); empty for none. */
  filter?: string;
}

const UNTAGGED_GROUP = 'Untagged';

export function buildImageTree(records: readonly ImageRecord[], options: ImageTreeOptions): ImagesTreeNode[] {
  const filter = options.filter?.trim();
  const rows = imageRows(records).filter((row) => {
    const dangling = row.record.refs.length === 0;
    if (dangling && !options.showDangling) return false;
    if (filter) return row.reference !== undefined && matchesReferencePattern(filter, row.reference);
    return true;
  });
  if (options.groupBy === 'none') {
    return sortImages(rows.map((row) => imageNode(row, 'all', familiarLabel(row))), options.sortBy);
  }
  const groups = new Map<string, { key: string | undefined; label: string; nodes: ImageNode[] }>();
  for (const row of rows) {
    const key = groupKey(row, options.groupBy);
    const label = key ?? UNTAGGED_GROUP;
    const mapKey = key ?? '\u0000untagged';
    let group = groups.get(mapKey);
    if (!group) {
      group = { key, label, nodes: [] };
      groups.set(mapKey, group);
    }
    group.nodes.push(imageNode(row, mapKey, options.groupBy === 'repository' ? tagLabel(row) : pathLabel(row)));
  }
  const nodes: ImageGroupNode[] = [...groups.entries()].map(([mapKey, g]) => ({
    kind: 'imageGroup',
    id: `group/${options.groupBy}/${mapKey}`,
    label: g.label,
    ...(g.key !== undefined ? { key: g.key } : {}),
    children: sortImages(g.nodes, options.sortBy),
  }));
  return sortGroups(nodes, options.sortBy);
}

function groupKey(row: ImageRow, groupBy: 'repository' | 'registry'): string | undefined {
  if (!row.reference) return undefined;
  return groupBy === 'repository' ? familiarName(row.reference) : row.reference.domain;
}

function imageNode(row: ImageRow, group: string, label: string): ImageNode {
  const reference = row.reference ? formatReference(row.reference) : undefined;
  return {
    kind: 'image',
    id: `image/${group}/${row.record.manifestDigest}/${row.repository}:${row.tag}@${row.digest}`,
    label,
    row,
    record: row.record,
    ...(reference ? { reference } : {}),
    dangling: row.record.refs.length === 0,
  };
}

/** Under a repository group: the tag, or the digest for an untagged row. */
function tagLabel(row: ImageRow): string {
  if (row.tag !== NONE) return row.tag;
  if (row.digest !== NONE) return `@${shortDigest(row.digest)}…`;
  return shortId(row.record.id);
}

/** Under a registry group: the repository path and tag without the registry. */
function pathLabel(row: ImageRow): string {
  if (!row.reference) return shortId(row.record.id);
  const name = row.reference.domain === 'docker.io' ? familiarName(row.reference) : row.reference.path;
  return `${name}${row.tag !== NONE ? `:${row.tag}` : `@${shortDigest(row.digest)}…`}`;
}

function familiarLabel(row: ImageRow): string {
  if (!row.reference) return shortId(row.record.id);
  return row.tag !== NONE ? `${row.repository}:${row.tag}` : `${row.repository}@${shortDigest(row.digest)}…`;
}

function sortImages(nodes: ImageNode[], sortBy: SortBy): ImageNode[] {
  const byName = (a: ImageNode, b: ImageNode): number => a.label.localeCompare(b.label, undefined, { numeric: true });
  return [...nodes].sort((a, b) => {
    if (sortBy === 'name') return byName(a, b);
    if (sortBy === 'size') return imageSize(b.record.summary) - imageSize(a.record.summary) || byName(a, b);
    return createdMs(b.record) - createdMs(a.record) || byName(a, b);
  });
}

function sortGroups(groups: ImageGroupNode[], sortBy: SortBy): ImageGroupNode[] {
  const newest = (g: ImageGroupNode): number => Math.max(...g.children.map((c) => createdMs(c.record)));
  const largest = (g: ImageGroupNode): number => Math.max(...g.children.map((c) => imageSize(c.record.summary)));
  return [...groups].sort((a, b) => {
    // Untagged images always come last: they are what a user looks at least.
    if ((a.key === undefined) !== (b.key === undefined)) return a.key === undefined ? 1 : -1;
    const byName = a.label.localeCompare(b.label);
    if (sortBy === 'name') return byName;
    if (sortBy === 'size') return largest(b) - largest(a) || byName;
    return newest(b) - newest(a) || byName;
  });
}

/** "45MB · 9 days ago", in Docker's units and words. */
export function imageDescription(record: ImageRecord, now: Date): string {
  const size = humanSize(imageSize(record.summary), IMAGE_LIST_SIZE_PRECISION);
  const created = record.summary.created ? createdSince(new Date(record.summary.created), now) : '';
  return created ? `${size} · ${created}` : size;
}

/** The group's row shows only its size: at the default side bar width, counts cut the name off. */
export function groupDescription(group: ImageGroupNode): string {
  return humanSize(groupBytes(group), IMAGE_LIST_SIZE_PRECISION);
}

/** The counts, for the group's tooltip: "2 tags · 1 image · 12.3MB". */
export function groupCounts(group: ImageGroupNode): string {
  const ids = new Set(group.children.map((c) => c.record.manifestDigest));
  const count = group.children.length;
  return `${count} ${count === 1 ? 'tag' : 'tags'} · ${ids.size} ${ids.size === 1 ? 'image' : 'images'} · ${humanSize(groupBytes(group), IMAGE_LIST_SIZE_PRECISION)}`;
}

function groupBytes(group: ImageGroupNode): number {
  return [...new Map(group.children.map((c) => [c.record.manifestDigest, imageSize(c.record.summary)])).values()].reduce((a, b) => a + b, 0);
}

/** The tooltip, as Markdown: full reference, image ID, repo digests, platform, layers, created. */
export function imageTooltip(node: ImageNode, now: Date): string {
  const { record } = node;
  const s = record.summary;
  const lines: string[] = [];
  lines.push(node.reference ? `**${code(node.reference)}**` : '**Untagged image**');
  lines.push('');
  lines.push(`Image ID: ${code(record.id)}`);
  if (record.refs.length > 1) lines.push(`Tags: ${record.refs.map((r) => code(familiarString(parseReference(r)))).join(', ')}`);
  if (record.repoDigests.length) {
    lines.push('Repo digests:');
    for (const d of record.repoDigests) lines.push(`- ${code(d)}`);
    // A blank line ends the list; without it the lines below join the last bullet.
    lines.push('');
  } else {
    lines.push(`Manifest digest: ${code(record.manifestDigest)}`);
  }
  lines.push(`Platform: ${formatPlatform({ os: s.os, architecture: s.architecture, ...(s.variant ? { variant: s.variant } : {}) })}`);
  lines.push(`Layers: ${s.layerCount}`);
  lines.push(`Size: ${humanSize(imageSize(s), IMAGE_LIST_SIZE_PRECISION)} (${humanSize(s.size, IMAGE_LIST_SIZE_PRECISION)} in the store)`);
  if (s.created) lines.push(`Created: ${s.created} (${createdSince(new Date(s.created), now)})`);
  if (node.signed) lines.push('Signed: its signatures were verified on pull and are kept (Inspect shows them)');
  // Two trailing spaces make Markdown keep the line breaks.
  return lines.map((l) => (l && !l.startsWith('- ') && !l.endsWith(':') ? `${l}  ` : l)).join('\n');
}

function code(text: string): string {
  return `\`${text.replace(/`/g, '')}\``;
}

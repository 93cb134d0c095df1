// An engine's part of the Images view: its images as `docker images` lists them (a row per
// repository:tag, `<none>` rows for untagged images, in the engine's order), or why it cannot be
// reached with a Retry row; and the tree items of those rows.

import * as vscode from 'vscode';
import { shortId } from '../../core/shortId';
import type { EngineClient } from '../../core/engine/engineClient';
import { engineImageRows } from '../../core/engine/engineImageRows';
import { listEngineImages } from '../../core/engine/engineImages';
import { errorMessage } from '../../core/errors';
import { createdSince } from '../../core/format/humanDuration';
import { humanSize, IMAGE_LIST_SIZE_PRECISION } from '../../core/format/humanSize';
import { matchesReferencePattern, parseReference } from '../../core/reference/reference';
import type { EngineSource } from '../engines/imageSources';
import type { EngineChildNode } from './engineNodes';

export interface EngineListing {
  children: EngineChildNode[];
  /** Where the engine is ("unix:///var/run/docker.sock", "remote · tcp://…"), once it answered. */
  where?: string;
  /** Why it could not be listed. */
  error?: string;
}

export async function listEngineRows(source: EngineSource, client: () => Promise<EngineClient>, filter: string): Promise<EngineListing> {
  const base = { source: source.id, engine: source.kind };
  let where: string | undefined;
  try {
    const c = await client();
    where = c.endpoint.context ? `${c.endpoint.context} · ${c.endpoint.host}` : c.endpoint.host;
    const rows = engineImageRows(await listEngineImages(c), false);
    const children: EngineChildNode[] = [];
    for (const row of rows) {
      const tag = row.tag !== '<none>' ? `${row.repository}:${row.tag}` : undefined;
      if (filter && !(tag && matchesReferencePattern(filter, parseReference(tag)))) continue;
      children.push({ kind: 'engineImage', id: `engine:${source.id}:${row.image.Id}:${tag ?? ''}`, ...base, name: tag ?? row.image.Id, ...(tag ? { tag } : {}), image: row.image });
    }
    if (children.length === 0) {
      const message = filter && rows.length > 0 ? `No image in ${source.label} matches the filter.` : `No images in ${source.label}.`;
      children.push({ kind: 'engineMessage', id: `engine:${source.id}:empty`, ...base, message, retry: false });
    }
    return { children, where };
  } catch (err) {
    const message = errorMessage(err);
    return {
      children: [
        { kind: 'engineMessage', id: `engine:${source.id}:error`, ...base, message, retry: false },
        { kind: 'engineMessage', id: `engine:${source.id}:retry`, ...base, message: 'Retry', retry: true },
      ],
      ...(where ? { where } : {}),
      error: message,
    };
  }
}

export function engineChildItem(node: EngineChildNode, sourceLabel: string, now: Date): vscode.TreeItem {
  if (node.kind === 'engineMessage') {
    const item = new vscode.TreeItem(node.message, vscode.TreeItemCollapsibleState.None);
    item.id = node.id;
    if (node.retry) {
      item.iconPath = new vscode.ThemeIcon('refresh');
      item.tooltip = `Try ${sourceLabel} again`;
      item.command = { command: 'stevedore.refreshEngines', title: 'Retry', arguments: [{ engine: node.source }] };
      item.accessibilityInformation = { label: `Retry ${sourceLabel}` };
    } else {
      item.iconPath = new vscode.ThemeIcon(node.id.endsWith(':error') ? 'warning' : 'info');
      item.tooltip = node.message;
    }
    item.contextValue = 'engineMessage';
    return item;
  }
  const image = node.image;
  const item = new vscode.TreeItem(node.tag ?? shortId(image.Id), vscode.TreeItemCollapsibleState.None);
  item.id = node.id;
  const size = humanSize(image.Size, IMAGE_LIST_SIZE_PRECISION);
  item.description = `${size} · ${createdSince(new Date(image.Created * 1000), now)}`;
  item.iconPath = new vscode.ThemeIcon(node.tag ? 'package' : 'circle-outline');
  item.contextValue = engineImageContextValue(node);
  const md = new vscode.MarkdownString();
  md.appendMarkdown(`**${node.tag ?? 'Untagged image'}** in ${sourceLabel}\n\n`);
  md.appendMarkdown(`- Image ID: \`${image.Id}\`\n`);
  for (const d of image.RepoDigests ?? []) if (d !== '<none>@<none>') md.appendMarkdown(`- Repo digest: \`${d}\`\n`);
  md.appendMarkdown(`\nSize: ${size} · Created: ${new Date(image.Created * 1000).toISOString()}`);
  item.tooltip = md;
  item.accessibilityInformation = { label: `${node.tag ?? `untagged image ${shortId(image.Id)}`} in ${sourceLabel}, ${item.description}` };
  return item;
}

/** Words the menus' `when` clauses match: which engine it is in, and whether it has a tag (to push). */
export function engineImageContextValue(node: { engine: string; tag?: string; image?: { RepoDigests?: string[] | null } }): string {
  // Words of their own: the store's "tagged"/"pushable" menus (Pull, Push to its registry) would
  // not fit. "engineDigest": the engine knows a registry digest for it (pulled or pushed), which
  // is what Copy Digest copies; an image built or loaded there has none.
  return ['engineImage', `engineImage-${node.engine}`, node.tag ? 'engineTagged' : 'engineUntagged', ...(node.image?.RepoDigests?.length ? ['engineDigest'] : [])].join(' ');
}

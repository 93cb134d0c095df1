// The shape of every command: one file per command under commands/, listed once in commandTable.ts.
// VS Code calls a command with (clicked item, selected items) from a tree, (uri, uris) from the
// Explorer, nothing from the palette, or a plain object of arguments from another extension or a
// test ({ reference: "redis" }); `parseInvocation` sorts these out so a command can use the clicked
// item and the multi-selection, or ask with pickers and input boxes when it has neither.

import * as vscode from 'vscode';
import type { Services } from '../services';
import type { EngineImageNode } from '../views/engineNodes';
import type { ImageNode } from '../views/imageTreeModel';

export interface CommandContext {
  services: Services;
  /** The item the command was invoked on: a tree node or an Explorer URI. */
  clicked: unknown;
  /** The multi-selection the clicked item belongs to (at least the clicked item). */
  selected: readonly unknown[];
  /** Answers given in advance instead of prompts; empty from menus and the palette. */
  args: Record<string, unknown>;
}

export interface ExtensionCommand {
  id: string;
  /** Names the operation in messages and the log: "Pull", "Save images". */
  operation: string;
  run(ctx: CommandContext): Promise<unknown>;
}

const NODE_KINDS = new Set(['image', 'imageGroup', 'imagesError', 'registry', 'namespace', 'repository', 'remoteTag', 'remotePlatform', 'loadMore', 'registryMessage', 'source', 'engineImage', 'engineMessage', 'container', 'containerChange', 'containersMessage']);

export function isNode(value: unknown): value is { kind: string; id: string } {
  return typeof value === 'object' && value !== null && NODE_KINDS.has(String((value as { kind?: unknown }).kind));
}

export function parseInvocation(a: unknown, b: unknown, c: unknown): Omit<CommandContext, 'services'> {
  if (isNode(a) || a instanceof vscode.Uri) {
    const list = Array.isArray(b) ? (b as unknown[]) : [];
    const selected = list.includes(a) || (a instanceof vscode.Uri && list.some((u) => u instanceof vscode.Uri && u.toString() === a.toString())) ? list : [a];
    return { clicked: a, selected, args: isPlainObject(c) ? c : {} };
  }
  if (isPlainObject(a)) return { clicked: undefined, selected: [], args: a };
  return { clicked: undefined, selected: [], args: {} };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof vscode.Uri) && !isNode(value);
}

/** The image items of the selection; a repository group stands for all of its images. */
export function selectedImageNodes(ctx: CommandContext): ImageNode[] {
  const out = new Map<string, ImageNode>();
  for (const node of ctx.selected) {
    if (!isNode(node)) continue;
    const n = node as { kind: string; children?: ImageNode[] } & ImageNode;
    if (n.kind === 'image') out.set(n.id, n);
    else if (n.kind === 'imageGroup') for (const child of n.children ?? []) out.set(child.id, child);
  }
  return [...out.values()];
}

export function stringArg(ctx: CommandContext, name: string): string | undefined {
  const value = ctx.args[name];
  return typeof value === 'string' ? value : undefined;
}

export function boolArg(ctx: CommandContext, name: string): boolean | undefined {
  const value = ctx.args[name];
  return typeof value === 'boolean' ? value : undefined;
}

/** The engine image items of the selection; a source row stands for none (copying a whole engine is not offered). */
export function selectedEngineImages(ctx: CommandContext): EngineImageNode[] {
  return ctx.selected.filter((n): n is EngineImageNode => isNode(n) && n.kind === 'engineImage');
}

// The Images view over the local store. It reads the store's list once per refresh (index.json and
// the metadata side file: no manifest or config is opened for an image listed before) and builds
// the tree with imageTreeModel. It refreshes when the store changes on disk (StoreAccess watches
// it), when settings change, and after each command that changed the store.

import * as vscode from 'vscode';
import { errorMessage } from '../../core/errors';
import { withContentSizes } from '../../core/image/contentSizes';
import { familiarString, parseReference } from '../../core/reference/reference';
import type { ImageRecord } from '../../core/store/imageStore';
import type { StevedoreSettings } from '../settings';
import type { StoreAccess } from '../storeAccess';
import { buildImageTree, groupCounts, groupDescription, imageDescription, imageTooltip, type ImageNode, type ImagesTreeNode } from './imageTreeModel';

/** A row that stands for a failure to read the store, so the view never spins forever. */
export interface ImagesErrorNode {
  kind: 'imagesError';
  id: string;
  message: string;
}

export type ImagesViewNode = ImagesTreeNode | ImagesErrorNode;

const FILTER_KEY = 'stevedore.images.filter';

export class ImagesTreeProvider implements vscode.TreeDataProvider<ImagesViewNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ImagesViewNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private snapshot: Promise<ImagesViewNode[]> | undefined;
  /** The roots last built, for getParent (reveal needs it). */
  private lastRoots: ImagesViewNode[] | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly store: StoreAccess,
    private readonly settings: () => StevedoreSettings,
    private readonly state: vscode.Memento,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.disposables.push(store.onDidChange(() => this.refresh()));
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.changed.dispose();
  }

  /** Re-reads the store on the next request and redraws. */
  refresh(): void {
    this.snapshot = undefined;
    this.changed.fire(undefined);
  }

  get filter(): string {
    return this.state.get<string>(FILTER_KEY, '');
  }

  async setFilter(pattern: string): Promise<void> {
    await this.state.update(FILTER_KEY, pattern.trim());
    this.refresh();
  }

  /** The current top-level items (groups, or images when not grouping), as the view shows them. */
  roots(): Promise<ImagesViewNode[]> {
    this.snapshot ??= this.build();
    return this.snapshot;
  }

  /** Every image item, flattened out of the groups. */
  async imageNodes(): Promise<ImageNode[]> {
    const out: ImageNode[] = [];
    for (const node of await this.roots()) {
      if (node.kind === 'imageGroup') out.push(...node.children);
      else if (node.kind === 'image') out.push(node);
    }
    return out;
  }

  async getChildren(node?: ImagesViewNode): Promise<ImagesViewNode[]> {
    if (!node) return this.roots();
    return node.kind === 'imageGroup' ? node.children : [];
  }

  getParent(node: ImagesViewNode): ImagesViewNode | undefined {
    if (node.kind !== 'image' || !this.lastRoots) return undefined;
    return this.lastRoots.find((r) => r.kind === 'imageGroup' && r.children.some((c) => c.id === node.id));
  }

  getTreeItem(node: ImagesViewNode): vscode.TreeItem {
    const now = new Date();
    if (node.kind === 'imagesError') {
      const item = new vscode.TreeItem(node.message, vscode.TreeItemCollapsibleState.None);
      item.id = node.id;
      item.iconPath = new vscode.ThemeIcon('error');
      item.tooltip = node.message;
      item.command = { command: 'stevedore.showLog', title: 'Show Log' };
      return item;
    }
    if (node.kind === 'imageGroup') {
      const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.Collapsed);
      item.id = node.id;
      item.description = groupDescription(node);
      item.iconPath = new vscode.ThemeIcon(node.key === undefined ? 'question' : this.settings().groupBy === 'registry' ? 'server' : 'repo');
      item.contextValue = 'imageGroup';
      item.tooltip = `${node.key ?? 'Images without a tag'}\n${groupCounts(node)}`;
      item.accessibilityInformation = { label: `${node.label}, ${groupCounts(node)}` };
      return item;
    }
    const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
    item.id = node.id;
    item.description = imageDescription(node.record, now);
    const tooltip = new vscode.MarkdownString(imageTooltip(node, now));
    tooltip.supportHtml = false;
    item.tooltip = tooltip;
    item.iconPath = new vscode.ThemeIcon(node.dangling ? 'circle-outline' : 'package');
    item.contextValue = imageContextValue(node);
    item.accessibilityInformation = { label: `${node.reference ? familiarString(parseReference(node.reference)) : `untagged image ${node.label}`}, ${item.description}` };
    return item;
  }

  private async build(): Promise<ImagesViewNode[]> {
    const s = this.settings();
    let records: ImageRecord[];
    try {
      const store = await this.store.open();
      // Docker's sizes: the first look after a pull measures its layers once (contentSizes.ts).
      records = await withContentSizes(store, await store.list());
    } catch (err) {
      this.log.error(`reading the image store at ${this.store.path} failed: ${errorMessage(err)}`);
      return [{ kind: 'imagesError', id: 'error/store', message: `Cannot read the image store: ${errorMessage(err)}` }];
    }
    try {
      const roots = buildImageTree(records, { groupBy: s.groupBy, sortBy: s.sortBy, showDangling: s.showDangling, filter: this.filter });
      this.lastRoots = roots;
      return roots;
    } catch (err) {
      // A malformed filter pattern ("[a") is the likely cause.
      return [{ kind: 'imagesError', id: 'error/filter', message: errorMessage(err) }];
    }
  }
}

/** Space-separated words that package.json's `when` clauses match with regular expressions. */
export function imageContextValue(node: ImageNode): string {
  const words = ['image'];
  words.push(node.dangling ? 'dangling' : 'tagged');
  // Only a name with a tag can be pushed.
  if (node.row.tag !== '<none>' && node.reference && !node.reference.includes('@')) words.push('pushable');
  if (node.record.refs.length > 1) words.push('multiTag');
  return words.join(' ');
}

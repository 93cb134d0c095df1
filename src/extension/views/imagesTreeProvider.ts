// The Images view: one top-level row per image source (the Stevedore store, Docker, Podman, added
// engines; imageSources.ts), or the store's tree alone when every engine is hidden. The store's
// part reads its list once per refresh (index.json and the metadata side file: no manifest or
// config is opened for an image listed before) and is built by imageTreeModel; it refreshes when
// the store changes on disk (StoreAccess watches it), when settings change, and after each command
// that changed the store. An engine is listed from its API when its row is first shown, again on
// Retry / Refresh and after a command changed it; one that cannot be reached says why.

import { homedir } from 'node:os';
import * as vscode from 'vscode';
import { errorMessage } from '../../core/errors';
import { withContentSizes } from '../../core/image/contentSizes';
import { familiarString, parseReference } from '../../core/reference/reference';
import type { ImageRecord } from '../../core/store/imageStore';
import type { EngineAccess } from '../engines/engineAccess';
import { STORE_SOURCE, visibleSources, type EngineSource, type ImageSource } from '../engines/imageSources';
import { signedManifestDigests } from '../../core/trust/signatureSummary';
import type { StevedoreSettings } from '../settings';
import type { StoreAccess } from '../storeAccess';
import type { EngineChildNode, EngineImageNode } from './engineNodes';
import { engineChildItem, listEngineRows, type EngineListing } from './engineRows';
import { buildImageTree, groupCounts, groupDescription, imageDescription, imageTooltip, type ImageNode, type ImagesTreeNode } from './imageTreeModel';
import { sourceNode, type SourceNode } from './sourceNodes';

/** A row that stands for a failure to read the store, so the view never spins forever. */
export interface ImagesErrorNode {
  kind: 'imagesError';
  id: string;
  message: string;
}

/** What the store's row holds when it has nothing to show: the welcome text's first step, as a row. */
export interface ImagesHintNode {
  kind: 'imagesHint';
  id: string;
  message: string;
  command: vscode.Command;
}

export type ImagesViewNode = SourceNode | ImagesTreeNode | ImagesErrorNode | ImagesHintNode | EngineChildNode;

const FILTER_KEY = 'stevedore.images.filter';

export class ImagesTreeProvider implements vscode.TreeDataProvider<ImagesViewNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ImagesViewNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private snapshot: Promise<ImagesViewNode[]> | undefined;
  /** The store's top-level rows last built, for getParent (reveal needs it). */
  private lastRoots: ImagesViewNode[] | undefined;
  /** Each engine's rows as last listed, by source id, so commands and getParent find them. */
  private readonly engineListings = new Map<string, Promise<EngineListing>>();
  /** The source rows handed out: VS Code knows a row by the object, so a redraw of one must pass the same. */
  private readonly sourceRows = new Map<string, SourceNode>();
  /** Where each engine is, for its row's description, once it has been reached. */
  private readonly where = new Map<string, string>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly store: StoreAccess,
    private readonly engines: EngineAccess,
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

  /** Lists an engine (or every engine) again on the next request and redraws. */
  refreshEngine(id?: string): void {
    if (id) this.engineListings.delete(id);
    else this.engineListings.clear();
    this.changed.fire(undefined);
  }

  get filter(): string {
    return this.state.get<string>(FILTER_KEY, '');
  }

  async setFilter(pattern: string): Promise<void> {
    await this.state.update(FILTER_KEY, pattern.trim());
    // The filter narrows the engines' rows too.
    this.engineListings.clear();
    this.refresh();
  }

  /**
   * The view's top-level rows: one per source shown; or, with every engine hidden, the store's own
   * rows as the view had them before engines came in (and its welcome text when the store is empty).
   */
  async roots(): Promise<ImagesViewNode[]> {
    const sources = visibleSources(this.settings());
    if (sources.length === 1 && sources[0]!.kind === 'store') return this.storeRoots();
    return sources.map((s) => this.sourceRow(s));
  }

  private sourceRow(source: ImageSource): SourceNode {
    const known = this.sourceRows.get(source.id);
    if (known && JSON.stringify(known.source) === JSON.stringify(source)) return known;
    const row = sourceNode(source);
    this.sourceRows.set(source.id, row);
    return row;
  }

  /** The store's top-level rows (groups, or images when not grouping), whether the store is shown or not. */
  storeRoots(): Promise<ImagesViewNode[]> {
    this.snapshot ??= this.build();
    return this.snapshot;
  }

  /** Where the store's rows hang: its source row, or the view itself when it is alone. */
  private storeParent(): SourceNode | undefined {
    const sources = visibleSources(this.settings());
    return sources.length === 1 && sources[0]!.kind === 'store' ? undefined : this.sourceRow(STORE_SOURCE);
  }

  /** Every image item of the store, flattened out of the groups. */
  async imageNodes(): Promise<ImageNode[]> {
    const out: ImageNode[] = [];
    for (const node of await this.storeRoots()) {
      if (node.kind === 'imageGroup') out.push(...node.children);
      else if (node.kind === 'image') out.push(node);
    }
    return out;
  }

  /** The store row's children: its tree, or what to do when it shows nothing. */
  private async storeChildren(): Promise<ImagesViewNode[]> {
    const roots = await this.storeRoots();
    if (roots.length > 0) return roots;
    const hint: ImagesHintNode = this.filter
      ? { kind: 'imagesHint', id: 'hint/filter', message: 'No image matches the filter. Clear Filter', command: { command: 'stevedore.images.clearFilter', title: 'Clear Filter' } }
      : { kind: 'imagesHint', id: 'hint/empty', message: 'No images in the store yet. Pull an Image…', command: { command: 'stevedore.pullImage', title: 'Pull an Image' } };
    return [hint];
  }

  /** The rows under an engine's source row: its images, or why it could not be listed and a Retry. */
  async engineChildren(source: EngineSource): Promise<EngineChildNode[]> {
    return (await this.engineListing(source)).children;
  }

  /** The image rows of an engine (listing it when it has not been yet). */
  async engineImageNodes(source: EngineSource): Promise<EngineImageNode[]> {
    return (await this.engineChildren(source)).filter((c): c is EngineImageNode => c.kind === 'engineImage');
  }

  private engineListing(source: EngineSource): Promise<EngineListing> {
    let listing = this.engineListings.get(source.id);
    if (!listing) {
      listing = listEngineRows(source, () => this.engines.client(source.id), this.filter).then((l) => {
        if (l.error) this.log.warn(`${source.label}: ${l.error}`);
        if (l.where) this.where.set(source.id, l.where);
        // The source row's description says where the engine is, known only now.
        this.changed.fire(this.sourceRow(source));
        return l;
      });
      this.engineListings.set(source.id, listing);
    }
    return listing;
  }

  async getChildren(node?: ImagesViewNode): Promise<ImagesViewNode[]> {
    if (!node) return this.roots();
    if (node.kind === 'source') return node.source.kind === 'store' ? this.storeChildren() : this.engineChildren(node.source);
    return node.kind === 'imageGroup' ? node.children : [];
  }

  getParent(node: ImagesViewNode): ImagesViewNode | undefined {
    switch (node.kind) {
      case 'source':
        return undefined;
      case 'engineImage':
      case 'engineMessage': {
        const source = visibleSources(this.settings()).find((s) => s.id === node.source);
        return source ? this.sourceRow(source) : undefined;
      }
      case 'image':
        return this.lastRoots?.find((r) => r.kind === 'imageGroup' && r.children.some((c) => c.id === node.id)) ?? this.storeParent();
      default:
        return this.storeParent();
    }
  }

  getTreeItem(node: ImagesViewNode): vscode.TreeItem {
    const now = new Date();
    if (node.kind === 'source') return this.sourceItem(node.source);
    if (node.kind === 'engineImage' || node.kind === 'engineMessage') {
      return engineChildItem(node, visibleSources(this.settings()).find((s) => s.id === node.source)?.label ?? node.source, now);
    }
    if (node.kind === 'imagesHint') {
      const item = new vscode.TreeItem(node.message, vscode.TreeItemCollapsibleState.None);
      item.id = node.id;
      item.iconPath = new vscode.ThemeIcon('info');
      item.command = node.command;
      return item;
    }
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
    // A signed image's mark: the verified shield instead of the package (and "signed" read aloud).
    item.iconPath = new vscode.ThemeIcon(node.signed ? 'verified' : node.dangling ? 'circle-outline' : 'package');
    item.contextValue = imageContextValue(node);
    item.accessibilityInformation = { label: `${node.reference ? familiarString(parseReference(node.reference)) : `untagged image ${node.label}`}, ${node.signed ? 'signed, ' : ''}${item.description}` };
    return item;
  }

  private sourceItem(source: ImageSource): vscode.TreeItem {
    const item = new vscode.TreeItem(source.label, vscode.TreeItemCollapsibleState.Expanded);
    item.id = `source:${source.id}`;
    if (source.kind === 'store') {
      item.description = tildePath(this.store.path);
      item.iconPath = new vscode.ThemeIcon('database');
      item.tooltip = `The Stevedore store at ${this.store.path}. Drop images from an engine here to copy them in.`;
      item.contextValue = 'source source-store';
      item.accessibilityInformation = { label: `Stevedore store, ${item.description}` };
      return item;
    }
    // Known once the engine was reached (a context resolves then); an added endpoint says where it is before.
    const where = this.where.get(source.id) ?? (source.endpoint ? (source.endpoint.host ?? `context ${source.endpoint.context}`) : undefined);
    item.description = where;
    item.iconPath = new vscode.ThemeIcon(source.kind === 'podman' ? 'vm' : 'server-environment');
    item.tooltip = `${source.label} images${where ? ` at ${where}` : ''}. Drop images from another source here to copy them to ${source.label}.`;
    item.contextValue = `source source-engine source-${source.kind}`;
    item.accessibilityInformation = { label: where ? `${source.label}, ${where}` : source.label };
    return item;
  }

  private async build(): Promise<ImagesViewNode[]> {
    const s = this.settings();
    let records: ImageRecord[];
    let signed: Set<string>;
    try {
      const store = await this.store.open();
      // Docker's sizes: the first look after a pull measures its layers once (contentSizes.ts).
      records = await withContentSizes(store, await store.list());
      signed = await signedManifestDigests(store.layout);
    } catch (err) {
      this.log.error(`reading the image store at ${this.store.path} failed: ${errorMessage(err)}`);
      return [{ kind: 'imagesError', id: 'error/store', message: `Cannot read the image store: ${errorMessage(err)}` }];
    }
    try {
      const roots = buildImageTree(records, { groupBy: s.groupBy, sortBy: s.sortBy, showDangling: s.showDangling, filter: this.filter });
      for (const root of roots) for (const node of root.kind === 'imageGroup' ? root.children : [root]) if (signed.has(node.record.manifestDigest)) node.signed = true;
      this.lastRoots = roots;
      return roots;
    } catch (err) {
      // A malformed filter pattern ("[a") is the likely cause.
      return [{ kind: 'imagesError', id: 'error/filter', message: errorMessage(err) }];
    }
  }
}

function tildePath(path: string): string {
  const home = homedir();
  return home && path.startsWith(`${home}/`) ? `~${path.slice(home.length)}` : path;
}

/** Space-separated words that package.json's `when` clauses match with regular expressions. */
export function imageContextValue(node: ImageNode): string {
  const words = ['image'];
  words.push(node.dangling ? 'dangling' : 'tagged');
  // Only a name with a tag can be pushed.
  if (node.row.tag !== '<none>' && node.reference && !node.reference.includes('@')) words.push('pushable');
  if (node.record.refs.length > 1) words.push('multiTag');
  if (node.signed) words.push('signed');
  return words.join(' ');
}

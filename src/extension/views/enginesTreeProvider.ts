// The Engines view: Docker and Podman beside the store. Each engine's images are listed from its
// own API when the engine is expanded; an engine that cannot be reached shows why, and clicking the
// message tries again. Images are dragged from here onto the Images view to copy them into the
// store, and from the Images view onto an engine to copy them there.

import * as vscode from 'vscode';
import { shortId } from '../../core/shortId';
import { engineImageRows } from '../../core/engine/engineImageRows';
import { listEngineImages } from '../../core/engine/engineImages';
import type { EngineKind } from '../../core/engine/engineEndpoint';
import { errorMessage } from '../../core/errors';
import { createdSince } from '../../core/format/humanDuration';
import { humanSize } from '../../core/format/humanSize';
import { engineLabel, type EngineAccess } from '../engines/engineAccess';
import type { StevedoreSettings } from '../settings';
import type { EngineImageNode, EngineNode, EnginesTreeNode } from './engineNodes';

export class EnginesTreeProvider implements vscode.TreeDataProvider<EnginesTreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<EnginesTreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  /** Each engine's children as last listed, so getParent and commands can find them. */
  private readonly listed = new Map<EngineKind, Promise<EnginesTreeNode[]>>();
  /** Where each engine is, for the description of its row (known once it has been reached). */
  private readonly hosts = new Map<EngineKind, string>();

  constructor(
    private readonly engines: EngineAccess,
    private readonly settings: () => StevedoreSettings,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  dispose(): void {
    this.changed.dispose();
  }

  refresh(engine?: EngineKind): void {
    if (engine) this.listed.delete(engine);
    else this.listed.clear();
    this.changed.fire(undefined);
  }

  roots(): EngineNode[] {
    return this.settings().engines.map((engine) => ({ kind: 'engine', id: `engine:${engine}`, engine }));
  }

  async getChildren(node?: EnginesTreeNode): Promise<EnginesTreeNode[]> {
    if (!node) return this.roots();
    if (node.kind !== 'engine') return [];
    let children = this.listed.get(node.engine);
    if (!children) {
      children = this.list(node.engine);
      this.listed.set(node.engine, children);
    }
    return children;
  }

  /** The image rows of an engine (listing it when it has not been yet). */
  async imageNodes(engine: EngineKind): Promise<EngineImageNode[]> {
    const children = await this.getChildren({ kind: 'engine', id: `engine:${engine}`, engine });
    return children.filter((c): c is EngineImageNode => c.kind === 'engineImage');
  }

  getParent(node: EnginesTreeNode): EnginesTreeNode | undefined {
    return node.kind === 'engine' ? undefined : { kind: 'engine', id: `engine:${node.engine}`, engine: node.engine };
  }

  getTreeItem(node: EnginesTreeNode): vscode.TreeItem {
    if (node.kind === 'engine') {
      const item = new vscode.TreeItem(engineLabel(node.engine), vscode.TreeItemCollapsibleState.Collapsed);
      item.id = node.id;
      item.description = this.hosts.get(node.engine);
      item.iconPath = new vscode.ThemeIcon(node.engine === 'podman' ? 'vm' : 'server-environment');
      item.contextValue = `engine engine-${node.engine}`;
      item.tooltip = `${engineLabel(node.engine)} images. Drop images from the Images view here to copy them to ${engineLabel(node.engine)}.`;
      return item;
    }
    if (node.kind === 'engineMessage') {
      const item = new vscode.TreeItem(node.message, vscode.TreeItemCollapsibleState.None);
      item.id = node.id;
      item.iconPath = new vscode.ThemeIcon(node.retry ? 'warning' : 'info');
      item.tooltip = node.retry ? `${node.message}\n\nClick to try again.` : node.message;
      if (node.retry) item.command = { command: 'stevedore.refreshEngines', title: 'Retry', arguments: [{ engine: node.engine }] };
      item.contextValue = 'engineMessage';
      return item;
    }
    const image = node.image;
    const item = new vscode.TreeItem(node.tag ?? '<none>', vscode.TreeItemCollapsibleState.None);
    item.id = node.id;
    item.description = `${shortId(image.Id)} · ${humanSize(image.Size, 3)} · ${createdSince(new Date(image.Created * 1000))}`;
    item.iconPath = new vscode.ThemeIcon('package');
    item.contextValue = `engineImage engineImage-${node.engine}`;
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**${node.tag ?? '&lt;none&gt;'}** in ${engineLabel(node.engine)}\n\n`);
    md.appendMarkdown(`- Image ID: \`${image.Id}\`\n`);
    for (const d of image.RepoDigests ?? []) if (d !== '<none>@<none>') md.appendMarkdown(`- Repo digest: \`${d}\`\n`);
    md.appendMarkdown(`\nSize: ${humanSize(image.Size, 3)} · Created: ${new Date(image.Created * 1000).toISOString()}`);
    item.tooltip = md;
    return item;
  }

  private async list(engine: EngineKind): Promise<EnginesTreeNode[]> {
    try {
      const client = await this.engines.client(engine);
      this.hosts.set(engine, client.endpoint.context ? `${client.endpoint.context} · ${client.endpoint.host}` : client.endpoint.host);
      const images = await listEngineImages(client);
      this.changed.fire({ kind: 'engine', id: `engine:${engine}`, engine });
      const rows = engineImageRows(images, false);
      if (rows.length === 0) return [{ kind: 'engineMessage', id: `engine:${engine}:empty`, engine, message: `No images in ${engineLabel(engine)}.`, retry: false }];
      return rows.map((row) => {
        const tagged = row.tag !== '<none>';
        const tag = tagged ? `${row.repository}:${row.tag}` : undefined;
        return { kind: 'engineImage', id: `engine:${engine}:${row.image.Id}:${tag ?? ''}`, engine, name: tag ?? row.image.Id, ...(tag ? { tag } : {}), image: row.image };
      });
    } catch (err) {
      this.log.warn(`${engineLabel(engine)}: ${errorMessage(err)}`);
      return [{ kind: 'engineMessage', id: `engine:${engine}:error`, engine, message: errorMessage(err), retry: true }];
    }
  }
}

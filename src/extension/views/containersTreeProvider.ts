// The Containers view: Stevedore's containers (name, image, status, created), newest first, as
// `ps -a` lists them. Expanding a container shows its changes as a tree with A/C/D marks (the
// diff is computed then, and again after each refresh). It refreshes when containers are made,
// end or go, also by the CLI: it watches the containers folder and each container's folder (its
// record is replaced by a rename there), without polling.

import { watch, type FSWatcher } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import * as vscode from 'vscode';
import { errorMessage } from '../../core/errors';
import { createdSince } from '../../core/format/humanDuration';
import type { Change } from '../../core/runtime/changeSet';
import { containerCommand, containerPaths, containersDir, listContainers, type ContainerRecord } from '../../core/runtime/containerRecord';
import type { ImageStore } from '../../core/store/imageStore';
import { containerState } from '../../core/runtime/containerState';
import type { StoreAccess } from '../storeAccess';
import { CHANGE_WORDS, changeTree, type ContainerChangeNode, type ContainerNode, type ContainersTreeNode } from './containerNodes';

const STATE_ICONS = { running: 'debug-start', exited: 'debug-stop', created: 'circle-outline', dead: 'error' } as const;
const MARK_ICONS = { A: ['diff-added', 'gitDecoration.addedResourceForeground'], C: ['diff-modified', 'gitDecoration.modifiedResourceForeground'], D: ['diff-removed', 'gitDecoration.deletedResourceForeground'] } as const;

export class ContainersTreeProvider implements vscode.TreeDataProvider<ContainersTreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ContainersTreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private listed: Promise<ContainersTreeNode[]> | undefined;
  private readonly changes = new Map<string, Promise<ContainersTreeNode[]>>();
  private readonly parents = new Map<string, ContainersTreeNode>();
  private readonly watchers = new Map<string, FSWatcher>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly storeChanged: vscode.Disposable;

  constructor(
    private readonly store: StoreAccess,
    private readonly log: vscode.LogOutputChannel,
    /** A container's changes: read here, or through the CLI when containers run there (containerCli.ts). */
    private readonly diff: (store: ImageStore, record: ContainerRecord) => Promise<Change[]>,
  ) {
    this.storeChanged = store.onDidChange(() => this.refresh());
  }

  dispose(): void {
    this.storeChanged.dispose();
    this.unwatch();
    if (this.timer) clearTimeout(this.timer);
    this.changed.dispose();
  }

  refresh(): void {
    this.listed = undefined;
    this.changes.clear();
    this.parents.clear();
    this.changed.fire(undefined);
  }

  /** The container rows (listing them when they have not been yet). */
  async containerNodes(): Promise<ContainerNode[]> {
    return (await this.getChildren()).filter((n): n is ContainerNode => n.kind === 'container');
  }

  async getChildren(node?: ContainersTreeNode): Promise<ContainersTreeNode[]> {
    if (!node) return (this.listed ??= this.list());
    if (node.kind === 'container') {
      let children = this.changes.get(node.id);
      if (!children) {
        children = this.listChanges(node);
        this.changes.set(node.id, children);
      }
      return children;
    }
    return node.kind === 'containerChange' ? node.children : [];
  }

  getParent(node: ContainersTreeNode): ContainersTreeNode | undefined {
    return this.parents.get(node.id);
  }

  getTreeItem(node: ContainersTreeNode): vscode.TreeItem {
    if (node.kind === 'containersMessage') {
      const item = new vscode.TreeItem(node.message, vscode.TreeItemCollapsibleState.None);
      item.id = node.id;
      item.iconPath = new vscode.ThemeIcon('info');
      item.contextValue = 'containersMessage';
      return item;
    }
    if (node.kind === 'containerChange') {
      const item = new vscode.TreeItem(node.name, node.children.length ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
      item.id = node.id;
      item.description = node.mark ?? '';
      if (node.mark) {
        const [icon, color] = MARK_ICONS[node.mark];
        item.iconPath = new vscode.ThemeIcon(icon, new vscode.ThemeColor(color));
        item.tooltip = `${CHANGE_WORDS[node.mark]}: /${node.path}`;
      } else {
        item.iconPath = vscode.ThemeIcon.Folder;
        item.tooltip = `/${node.path} (holds changes)`;
      }
      item.contextValue = 'containerChange';
      return item;
    }
    const c = node.record;
    const now = new Date();
    const item = new vscode.TreeItem(c.Name, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = node.id;
    item.description = `${c.Image} · ${statusText(node)} · ${createdSince(new Date(c.Created), now)}`;
    item.iconPath = new vscode.ThemeIcon(STATE_ICONS[node.state]);
    item.contextValue = `container container-${node.state}`;
    item.tooltip = [
      `Container: ${c.Name}`,
      `ID: ${c.Id}`,
      `Image: ${c.Image} (${c.ImageID})`,
      `Command: ${containerCommand(c.Config).join(' ')}`,
      `Created: ${c.Created} (${createdSince(new Date(c.Created), now)})`,
      `Status: ${statusText(node)}`,
      'Expand to see its changes (A added, C changed, D deleted).',
    ].join('\n');
    return item;
  }

  private async list(): Promise<ContainersTreeNode[]> {
    try {
      const store = await this.store.open();
      const records = await listContainers(store.layout);
      this.watchContainers(store.layout, records.map((r) => r.Id));
      if (records.length === 0) return [{ kind: 'containersMessage', id: 'containers:none', message: 'No containers. Run an image from the Images view.' }];
      return records.map((record) => ({ kind: 'container', id: `container:${record.Id}`, record, state: containerState(record) }));
    } catch (err) {
      this.log.warn(`listing containers failed: ${errorMessage(err)}`);
      return [{ kind: 'containersMessage', id: 'containers:error', message: `Cannot list containers: ${errorMessage(err)}` }];
    }
  }

  private async listChanges(node: ContainerNode): Promise<ContainersTreeNode[]> {
    try {
      const store = await this.store.open();
      const tree = changeTree(node.record.Id, await this.diff(store, node.record));
      const remember = (children: ContainerChangeNode[], parent: ContainersTreeNode): void => {
        for (const child of children) {
          this.parents.set(child.id, parent);
          remember(child.children, child);
        }
      };
      remember(tree, node);
      if (tree.length === 0) return [{ kind: 'containersMessage', id: `${node.id}:none`, message: 'No changes' }];
      return tree;
    } catch (err) {
      return [{ kind: 'containersMessage', id: `${node.id}:error`, message: `Cannot read its changes: ${errorMessage(err)}` }];
    }
  }

  /** Watches the containers folder and the folders of the containers listed. */
  private watchContainers(layout: Parameters<typeof containersDir>[0], ids: string[]): void {
    const wanted = new Map<string, string>([[containersDir(layout), 'folder'], ...ids.map((id): [string, string] => [containerPaths(layout, id).dir, 'container.json'])]);
    for (const [path, watcher] of this.watchers) {
      if (!wanted.has(path)) {
        watcher.close();
        this.watchers.delete(path);
      }
    }
    for (const [path, file] of wanted) {
      if (this.watchers.has(path)) continue;
      const start = async (): Promise<void> => {
        if (file === 'folder') await mkdir(path, { recursive: true }).catch(() => undefined);
        try {
          const watcher = watch(path, { persistent: false }, (_event, name) => {
            if (file === 'folder' || name === null || String(name) === file) this.schedule();
          });
          watcher.on('error', () => {
            watcher.close();
            this.watchers.delete(path);
          });
          this.watchers.set(path, watcher);
        } catch {
          // Gone meanwhile: the containers folder's watcher sees that.
        }
      };
      void start();
    }
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    // Quiet time so that one run (record made, rewritten as running, then as exited) refreshes once or twice.
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.refresh();
    }, 200);
  }

  private unwatch(): void {
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }
}

function statusText(node: ContainerNode): string {
  const c = node.record;
  switch (node.state) {
    case 'running':
      return 'running';
    case 'exited':
      return `exited (${c.State.ExitCode})`;
    case 'dead':
      return 'dead (its run was killed)';
    default:
      return 'created';
  }
}

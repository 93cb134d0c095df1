// The Registries view: Docker Hub and the registries the user added (setting stevedore.registries),
// each with its repositories from the catalog, a page at a time ("Load more…"), their tags, and a
// tag's platforms with digests. Nothing is fetched until an item is expanded. A registry that
// refuses shows an item offering to log in, any other failure an item saying what went wrong and
// offering to retry: never an endless spinner.

import * as vscode from 'vscode';
import { errorMessage, StevedoreError } from '../../core/errors';
import { fetchCatalogPage } from '../../core/registry/catalogPage';
import { listTags } from '../../core/registry/pagedLists';
import { DOCKER_HUB_DOMAIN, registryHost } from '../../core/registry/registryHost';
import { describeRemoteTag, type RemoteTag } from '../../core/registry/remoteTag';
import { parseReference } from '../../core/reference/reference';
import type { RegistryAccess } from '../registries/registryAccess';
import type { StevedoreSettings } from '../settings';
import type { StoreAccess } from '../storeAccess';
import type { LoadMoreNode, RegistriesTreeNode, RegistryMessageNode, RegistryNode, RemotePlatformNode, RemoteTagNode, RepositoryNode } from './registryNodes';

/** The repositories of a registry fetched so far, and where the next page is. */
interface CatalogState {
  repositories: string[];
  next?: string;
}

export class RegistriesTreeProvider implements vscode.TreeDataProvider<RegistriesTreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<RegistriesTreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly catalogs = new Map<string, CatalogState>();
  private readonly tags = new Map<string, Promise<string[]>>();
  private readonly remoteTags = new Map<string, Promise<RemoteTag>>();

  constructor(
    private readonly settings: () => StevedoreSettings,
    private readonly registries: RegistryAccess,
    private readonly store: StoreAccess,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  dispose(): void {
    this.changed.dispose();
  }

  /** Forgets what was fetched (for one registry, or all) and redraws. */
  refresh(node?: RegistryNode): void {
    if (node) {
      this.catalogs.delete(node.domain);
      for (const key of [...this.tags.keys()]) if (key.startsWith(`${node.domain}/`)) this.tags.delete(key);
      for (const key of [...this.remoteTags.keys()]) if (key.startsWith(`${node.domain}/`)) this.remoteTags.delete(key);
    } else {
      this.catalogs.clear();
      this.tags.clear();
      this.remoteTags.clear();
    }
    this.changed.fire(undefined);
  }

  /** Fetches the next page of a registry's catalog. */
  async loadMore(node: RegistryNode | LoadMoreNode): Promise<number> {
    const registry = node.kind === 'loadMore' ? node.registry : node;
    const state = this.catalogs.get(registry.domain);
    if (!state?.next) return state?.repositories.length ?? 0;
    try {
      const page = await fetchCatalogPage(this.registries.get().for(registry.domain), { cursor: state.next, pageSize: this.settings().catalogPageSize });
      state.repositories.push(...page.repositories.filter((r) => !state.repositories.includes(r)));
      if (page.next) state.next = page.next;
      else delete state.next;
    } catch (err) {
      this.log.error(`listing more repositories of ${registry.domain} failed: ${errorMessage(err)}`);
      throw err;
    } finally {
      this.changed.fire(registry);
    }
    return state.repositories.length;
  }

  registryNodes(): RegistryNode[] {
    const s = this.settings();
    const nodes: RegistryNode[] = [{ kind: 'registry', id: `registry/${DOCKER_HUB_DOMAIN}`, domain: DOCKER_HUB_DOMAIN, label: 'Docker Hub', dockerHub: true, configured: false, insecure: false }];
    const seen = new Set([DOCKER_HUB_DOMAIN]);
    for (const r of s.registries) {
      const domain = registryHost(r.url).domain;
      if (seen.has(domain)) continue;
      seen.add(domain);
      nodes.push({ kind: 'registry', id: `registry/${domain}`, domain, label: domain, dockerHub: false, configured: true, insecure: r.insecure === true || s.insecureRegistries.includes(domain) });
    }
    return nodes;
  }

  getTreeItem(node: RegistriesTreeNode): vscode.TreeItem {
    const item = this.treeItem(node);
    // Screen readers (and UI tests) read the label and description, not the tooltip.
    const label = typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
    item.accessibilityInformation = { label: item.description ? `${label}, ${String(item.description)}` : label };
    return item;
  }

  private treeItem(node: RegistriesTreeNode): vscode.TreeItem {
    switch (node.kind) {
      case 'registry': {
        const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.Collapsed);
        const loggedIn = this.registries.secrets.loggedIn().includes(node.domain);
        item.id = node.id;
        item.iconPath = new vscode.ThemeIcon(node.dockerHub ? 'cloud' : 'server');
        item.description = [node.dockerHub ? 'docker.io' : '', node.insecure ? 'insecure' : '', loggedIn ? 'logged in' : ''].filter(Boolean).join(' · ');
        item.tooltip = `${node.domain}${node.insecure ? ' (plain HTTP or unverified TLS allowed)' : ''}${loggedIn ? '\nLogged in from VS Code' : ''}`;
        item.contextValue = ['registry', node.dockerHub ? 'dockerHub' : '', node.configured ? 'configured' : '', loggedIn ? 'loggedIn' : ''].filter(Boolean).join(' ');
        return item;
      }
      case 'repository': {
        const item = new vscode.TreeItem(node.repository, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = node.id;
        item.iconPath = new vscode.ThemeIcon('repo');
        item.tooltip = `${node.domain}/${node.repository}`;
        item.contextValue = 'repository';
        return item;
      }
      case 'remoteTag': {
        const item = new vscode.TreeItem(node.tag, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = node.id;
        item.iconPath = new vscode.ThemeIcon('tag');
        item.tooltip = `${node.domain}/${node.repository}:${node.tag}\nExpand to see its platforms and digests.`;
        item.contextValue = 'remoteTag';
        return item;
      }
      case 'remotePlatform': {
        const item = new vscode.TreeItem(node.platform, vscode.TreeItemCollapsibleState.None);
        item.id = node.id;
        item.iconPath = new vscode.ThemeIcon('layers');
        item.description = node.digest.slice(0, 19);
        const md = new vscode.MarkdownString(`**\`${node.domain}/${node.repository}:${node.tag}\`** — ${node.platform}  \nManifest digest: \`${node.digest}\`  \nManifest size: ${node.size} bytes${node.multiPlatform ? '  \nOne platform of a multi-platform image.' : ''}`);
        item.tooltip = md;
        item.contextValue = 'remotePlatform';
        return item;
      }
      case 'loadMore': {
        const item = new vscode.TreeItem('Load more…', vscode.TreeItemCollapsibleState.None);
        item.id = node.id;
        item.iconPath = new vscode.ThemeIcon('ellipsis');
        item.command = { command: 'stevedore.registries.loadMore', title: 'Load more', arguments: [node] };
        item.contextValue = 'loadMore';
        return item;
      }
      case 'registryMessage': {
        const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
        item.id = node.id;
        item.iconPath = new vscode.ThemeIcon(node.icon);
        if (node.tooltip) item.tooltip = node.tooltip;
        if (node.command) item.command = node.command;
        item.contextValue = 'registryMessage';
        return item;
      }
    }
  }

  async getChildren(node?: RegistriesTreeNode): Promise<RegistriesTreeNode[]> {
    if (!node) return this.registryNodes();
    try {
      switch (node.kind) {
        case 'registry':
          return node.dockerHub ? await this.dockerHubChildren(node) : await this.catalogChildren(node);
        case 'repository':
          return await this.tagChildren(node);
        case 'remoteTag':
          return await this.platformChildren(node);
        default:
          return [];
      }
    } catch (err) {
      return [this.failureNode(node, err)];
    }
  }

  getParent(): undefined {
    return undefined;
  }

  private async catalogChildren(node: RegistryNode): Promise<RegistriesTreeNode[]> {
    let state = this.catalogs.get(node.domain);
    if (!state) {
      // A failure is not remembered: expanding again (or Refresh) tries again.
      const page = await fetchCatalogPage(this.registries.get().for(node.domain), { pageSize: this.settings().catalogPageSize });
      state = { repositories: page.repositories, ...(page.next ? { next: page.next } : {}) };
      this.catalogs.set(node.domain, state);
    }
    const children: RegistriesTreeNode[] = state.repositories.map((repository) => ({ kind: 'repository', id: `repo/${node.domain}/${repository}`, domain: node.domain, repository }));
    if (state.next) children.push({ kind: 'loadMore', id: `more/${node.domain}/${state.repositories.length}`, registry: node });
    if (children.length === 0) children.push(message(`empty/${node.domain}`, 'No repositories yet', 'info', 'The catalog of this registry is empty. Push an image to it to see it here.'));
    return children;
  }

  /** Docker Hub has no catalog: it shows the repositories of local images from Docker Hub, and search. */
  private async dockerHubChildren(node: RegistryNode): Promise<RegistriesTreeNode[]> {
    const records = await (await this.store.open()).list();
    const repos = new Set<string>();
    for (const r of records) {
      for (const ref of r.refs) {
        const parsed = parseReference(ref);
        if (parsed.domain === node.domain) repos.add(parsed.path);
      }
    }
    const children: RegistriesTreeNode[] = [...repos].sort().map((repository) => ({ kind: 'repository', id: `repo/${node.domain}/${repository}`, domain: node.domain, repository }));
    children.push({
      kind: 'registryMessage',
      id: 'hub/search',
      text: 'Search Docker Hub…',
      icon: 'search',
      tooltip: 'Docker Hub does not list its repositories; search it instead. Repositories of your local Docker Hub images are listed above.',
      command: { command: 'stevedore.searchDockerHub', title: 'Search Docker Hub' },
    });
    return children;
  }

  private async tagChildren(node: RepositoryNode): Promise<RegistriesTreeNode[]> {
    const key = `${node.domain}/${node.repository}`;
    let pending = this.tags.get(key);
    if (!pending) {
      pending = listTags(this.registries.get().for(node.domain), node.repository);
      this.tags.set(key, pending);
      pending.catch(() => this.tags.delete(key));
    }
    const tags = await pending;
    if (tags.length === 0) return [message(`notags/${key}`, 'No tags', 'info')];
    return [...tags].sort((a, b) => b.localeCompare(a, undefined, { numeric: true })).map((tag) => ({ kind: 'remoteTag', id: `tag/${key}:${tag}`, domain: node.domain, repository: node.repository, tag }));
  }

  private async platformChildren(node: RemoteTagNode): Promise<RegistriesTreeNode[]> {
    const described = await this.describe(node);
    return described.platforms.map<RemotePlatformNode>((p) => ({
      kind: 'remotePlatform',
      id: `platform/${node.domain}/${node.repository}:${node.tag}/${p.digest}`,
      domain: node.domain,
      repository: node.repository,
      tag: node.tag,
      platform: p.platform,
      digest: p.digest,
      size: p.size,
      multiPlatform: described.multiPlatform,
    }));
  }

  /** What a remote tag points at (cached until refresh); the pull command uses it to offer platforms. */
  describe(node: RemoteTagNode): Promise<RemoteTag> {
    const key = `${node.domain}/${node.repository}:${node.tag}`;
    let pending = this.remoteTags.get(key);
    if (!pending) {
      pending = describeRemoteTag(this.registries.get().for(node.domain), node.repository, node.tag);
      this.remoteTags.set(key, pending);
      pending.catch(() => this.remoteTags.delete(key));
    }
    return pending;
  }

  private failureNode(node: RegistriesTreeNode, err: unknown): RegistryMessageNode {
    const domain = 'domain' in node ? node.domain : '';
    const code = err instanceof StevedoreError ? err.code : undefined;
    this.log.error(`Registries view: ${errorMessage(err)}`);
    if (code === 'UNAUTHORIZED' || code === 'DENIED') {
      return {
        kind: 'registryMessage',
        id: `login/${node.id}`,
        text: `${domain} refused access — Log In…`,
        icon: 'account',
        tooltip: errorMessage(err),
        command: { command: 'stevedore.registries.login', title: 'Log In', arguments: [{ registry: domain }] },
      };
    }
    return {
      kind: 'registryMessage',
      id: `error/${node.id}`,
      text: `${shortError(err)} — click to retry`,
      icon: 'error',
      tooltip: errorMessage(err),
      command: { command: 'stevedore.registries.refresh', title: 'Retry', arguments: [] },
    };
  }
}

function message(id: string, text: string, icon: RegistryMessageNode['icon'], tooltip?: string): RegistryMessageNode {
  return { kind: 'registryMessage', id, text, icon, ...(tooltip ? { tooltip } : {}) };
}

/** The first sentence of an error, short enough for a tree item. */
function shortError(err: unknown): string {
  const text = errorMessage(err);
  const first = text.split(/(?<=\.)\s/)[0] ?? text;
  return first.length > 90 ? `${first.slice(0, 89)}…` : first;
}

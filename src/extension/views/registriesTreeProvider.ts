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
import { describeRemoteTag, remoteImageDetails, type RemoteTag } from '../../core/registry/remoteTag';
import { signedTags } from '../../core/trust/signatureTags';
import { hostPlatform, formatPlatform } from '../../core/image/platform';
import { parseReference } from '../../core/reference/reference';
import type { RegistryAccess } from '../registries/registryAccess';
import type { StevedoreSettings } from '../settings';
import type { StoreAccess } from '../storeAccess';
import { humanSize } from '../../core/format/humanSize';
import { shortDigest } from '../../core/shortId';
import type { LoadMoreNode, NamespaceNode, RegistriesTreeNode, RegistryMessageNode, RegistryNode, RemotePlatformNode, RemoteTagNode, RepositoryNode } from './registryNodes';
import { sortTags } from './tagOrder';

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
  /** Per registry, the text its repositories are filtered by (Filter Repositories…). */
  private readonly filters = new Map<string, string>();
  /** Repositories opened by Browse Tags that the catalog did not list (a later page, Docker Hub), shown anyway. */
  private readonly browsed = new Map<string, Set<string>>();

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

  /** Forgets what was fetched from the registry at `domain` and redraws it: after a push to it, or a login. */
  refreshDomain(domain: string): void {
    const node = this.registryNodes().find((n) => n.domain === domain);
    if (node) this.refresh(node);
  }

  /** Shows only the repositories whose path contains `text` (case-insensitive); '' shows all. */
  setFilter(domain: string, text: string): void {
    if (text.trim()) this.filters.set(domain, text.trim());
    else this.filters.delete(domain);
    this.changed.fire(undefined);
  }

  filterOf(domain: string): string {
    return this.filters.get(domain) ?? '';
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
        const filter = this.filters.get(node.domain);
        item.description = [node.dockerHub ? 'docker.io' : '', node.insecure ? 'insecure' : '', loggedIn ? 'logged in' : '', filter ? `filter: ${filter}` : ''].filter(Boolean).join(' · ');
        item.tooltip = `${node.domain}${node.insecure ? ' (plain HTTP or unverified TLS allowed)' : ''}${loggedIn ? '\nLogged in from VS Code' : ''}`;
        item.contextValue = ['registry', node.dockerHub ? 'dockerHub' : '', node.configured ? 'configured' : '', loggedIn ? 'loggedIn' : '', filter ? 'filtered' : ''].filter(Boolean).join(' ');
        return item;
      }
      case 'namespace': {
        const item = new vscode.TreeItem(node.namespace, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = node.id;
        item.iconPath = new vscode.ThemeIcon('folder');
        item.tooltip = `${node.domain}/${node.namespace}/ — ${node.repositories.length} ${node.repositories.length === 1 ? 'repository' : 'repositories'} listed so far`;
        item.contextValue = 'namespace';
        return item;
      }
      case 'repository': {
        const item = new vscode.TreeItem(node.label ?? node.repository, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = node.id;
        item.iconPath = new vscode.ThemeIcon('repo');
        item.tooltip = `${node.domain}/${node.repository}`;
        item.contextValue = 'repository';
        return item;
      }
      case 'remoteTag': {
        const item = new vscode.TreeItem(node.tag, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = node.id;
        item.iconPath = new vscode.ThemeIcon(node.signed ? 'verified' : 'tag');
        if (node.signed) item.description = 'signed';
        // The platforms, sizes and created time are fetched when the tooltip is first shown (resolveTreeItem).
        item.tooltip = undefined;
        item.contextValue = 'remoteTag';
        return item;
      }
      case 'remotePlatform': {
        const item = new vscode.TreeItem(node.platform, vscode.TreeItemCollapsibleState.None);
        item.id = node.id;
        item.iconPath = new vscode.ThemeIcon('layers');
        item.description = shortDigest(node.digest);
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

  /** A tag's tooltip, fetched when VS Code first shows it: created time, platforms and compressed size. */
  async resolveTreeItem(item: vscode.TreeItem, node: RegistriesTreeNode, token: vscode.CancellationToken): Promise<vscode.TreeItem> {
    if (node.kind !== 'remoteTag') return item;
    item.tooltip = await this.tagTooltip(node).catch((err: unknown) => new vscode.MarkdownString(`**\`${node.domain}/${node.repository}:${node.tag}\`**  \n${errorMessage(err)}`));
    void token;
    return item;
  }

  async tagTooltip(node: RemoteTagNode): Promise<vscode.MarkdownString> {
    const described = await this.describe(node);
    const lines = [`**\`${node.domain}/${node.repository}:${node.tag}\`**`, ''];
    // One platform's manifest and config: this machine's when the tag offers it, else the first.
    const host = formatPlatform(hostPlatform());
    const chosen = described.platforms.find((p) => p.platform === host || p.platform.startsWith(`${host}/`)) ?? described.platforms[0];
    const details = chosen ? { platform: chosen.platform, ...(await remoteImageDetails(this.registries.get().for(node.domain), node.repository, chosen.digest).catch(() => ({ compressedSize: NaN }))) } : undefined;
    if (details && 'created' in details && details.created) lines.push(`Created: ${details.created}  `);
    lines.push(`Platforms: ${described.platforms.map((p) => p.platform).join(', ') || 'unknown'}  `);
    if (details && Number.isFinite(details.compressedSize)) lines.push(`Compressed size: ${humanSize(details.compressedSize)}${described.multiPlatform ? ` (${details.platform})` : ''}  `);
    lines.push(`Digest: \`${described.digest}\``);
    return new vscode.MarkdownString(lines.join('\n'));
  }

  async getChildren(node?: RegistriesTreeNode): Promise<RegistriesTreeNode[]> {
    if (!node) return this.registryNodes();
    try {
      switch (node.kind) {
        case 'registry':
          return node.dockerHub ? await this.dockerHubChildren(node) : await this.catalogChildren(node);
        case 'namespace':
          return this.namespaceRepositories(node);
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

  /**
   * The repository's node as the view shows it, for reveal (Browse Tags): listed by the catalog, or
   * else added to its registry's children. Undefined when its registry is not in the view.
   */
  async repositoryNode(domain: string, repository: string): Promise<RepositoryNode | undefined> {
    const registry = this.registryNodes().find((n) => n.domain === domain);
    if (!registry) return undefined;
    const shown = (await this.getChildren(registry)).flatMap((n) => (n.kind === 'namespace' ? this.namespaceRepositories(n) : [n]));
    const found = shown.find((n): n is RepositoryNode => n.kind === 'repository' && n.repository === repository);
    if (found) return found;
    const set = this.browsed.get(domain) ?? new Set<string>();
    set.add(repository);
    this.browsed.set(domain, set);
    this.changed.fire(registry);
    return { kind: 'repository', id: `repo/${domain}/${repository}`, domain, repository };
  }

  /** For reveal: a repository's namespace or registry, a namespace's registry, a tag's repository. */
  getParent(node: RegistriesTreeNode): RegistriesTreeNode | undefined {
    const registry = (domain: string): RegistryNode | undefined => this.registryNodes().find((n) => n.domain === domain);
    switch (node.kind) {
      case 'namespace':
        return registry(node.domain);
      case 'repository': {
        // Grouped under its namespace when the catalog listed it (see groupByNamespace); else at the top.
        const slash = node.repository.indexOf('/');
        const listed = this.catalogs.get(node.domain)?.repositories.includes(node.repository) === true;
        if (slash < 0 || !listed || registry(node.domain)?.dockerHub) return registry(node.domain);
        const namespace = node.repository.slice(0, slash);
        return { kind: 'namespace', id: `ns/${node.domain}/${namespace}`, domain: node.domain, namespace, repositories: [] };
      }
      case 'remoteTag':
        return { kind: 'repository', id: `repo/${node.domain}/${node.repository}`, domain: node.domain, repository: node.repository };
      default:
        return undefined;
    }
  }

  private namespaceRepositories(node: NamespaceNode): RepositoryNode[] {
    return node.repositories.map<RepositoryNode>((repository) => ({ kind: 'repository', id: `repo/${node.domain}/${repository}`, domain: node.domain, repository, label: repository.slice(node.namespace.length + 1) }));
  }

  private async catalogChildren(node: RegistryNode): Promise<RegistriesTreeNode[]> {
    let state = this.catalogs.get(node.domain);
    if (!state) {
      // A failure is not remembered: expanding again (or Refresh) tries again.
      const page = await fetchCatalogPage(this.registries.get().for(node.domain), { pageSize: this.settings().catalogPageSize });
      state = { repositories: page.repositories, ...(page.next ? { next: page.next } : {}) };
      // An empty catalog is not remembered: the next look asks again (a push may have filled it).
      if (state.repositories.length > 0 || state.next) this.catalogs.set(node.domain, state);
    }
    const filter = this.filters.get(node.domain)?.toLowerCase();
    const shown = filter ? state.repositories.filter((r) => r.toLowerCase().includes(filter)) : state.repositories;
    const children: RegistriesTreeNode[] = [...this.browsedNodes(node.domain, state.repositories), ...groupByNamespace(node.domain, shown)];
    if (state.next) children.push({ kind: 'loadMore', id: `more/${node.domain}/${state.repositories.length}`, registry: node });
    if (children.length === 0 && filter) children.push(message(`nomatch/${node.domain}`, `No repository matches "${this.filters.get(node.domain)}"`, 'info', 'Filter Repositories… with an empty text shows them all.'));
    else if (children.length === 0) children.push(message(`empty/${node.domain}`, 'No repositories yet', 'info', 'The catalog of this registry is empty. Push an image to it to see it here.'));
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
    const children: RegistriesTreeNode[] = [...this.browsedNodes(node.domain, [...repos]), ...[...repos].sort().map<RepositoryNode>((repository) => ({ kind: 'repository', id: `repo/${node.domain}/${repository}`, domain: node.domain, repository }))];
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

  /** Browsed repositories the list does not have, first, by their whole path. */
  private browsedNodes(domain: string, listed: readonly string[]): RepositoryNode[] {
    return [...(this.browsed.get(domain) ?? [])].filter((r) => !listed.includes(r)).map((repository) => ({ kind: 'repository', id: `repo/${domain}/${repository}`, domain, repository }));
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
    // Marked only here, when the repository is expanded: one manifest fetch per tag, and only when
    // the list holds signature tags at all. A failure leaves the tags unmarked, never the list unshown.
    const signed = await signedTags(this.registries.get().for(node.domain), node.repository, tags).catch((err: unknown) => {
      this.log.warn(`Registries view: signatures of ${key} not looked up: ${errorMessage(err)}`);
      return new Set<string>();
    });
    return sortTags(tags).map((tag) => ({ kind: 'remoteTag', id: `tag/${key}:${tag}`, domain: node.domain, repository: node.repository, tag, ...(signed.has(tag) ? { signed: true } : {}) }));
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

/** Repositories with a namespace ("team/app") under a node per namespace, in name order; the others at the top level after them. */
function groupByNamespace(domain: string, repositories: readonly string[]): RegistriesTreeNode[] {
  const namespaces = new Map<string, string[]>();
  const plain: string[] = [];
  for (const repository of repositories) {
    const slash = repository.indexOf('/');
    if (slash < 0) plain.push(repository);
    else {
      const ns = repository.slice(0, slash);
      const list = namespaces.get(ns) ?? [];
      list.push(repository);
      namespaces.set(ns, list);
    }
  }
  const groups = [...namespaces.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map<NamespaceNode>(([namespace, list]) => ({ kind: 'namespace', id: `ns/${domain}/${namespace}`, domain, namespace, repositories: list }));
  const rest = plain.map<RepositoryNode>((repository) => ({ kind: 'repository', id: `repo/${domain}/${repository}`, domain, repository }));
  return [...groups, ...rest];
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

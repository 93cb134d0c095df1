// The items of the Registries view as plain data: registries, their repositories (a page at a
// time), tags, and a tag's platforms with their digests; plus "Load more…" and message items (an
// error, or a registry that wants a login). Commands receive these objects as the clicked item.

import { familiarString, type ImageReference } from '../../core/reference/reference';

export interface RegistryNode {
  kind: 'registry';
  id: string;
  /** As references name it: "docker.io", "localhost:5000". */
  domain: string;
  label: string;
  dockerHub: boolean;
  /** Added by the user (in settings), so it can be removed. */
  configured: boolean;
  insecure: boolean;
}

export interface RepositoryNode {
  kind: 'repository';
  id: string;
  domain: string;
  /** The path inside the registry: "library/redis", "team/app". */
  repository: string;
  /** What the row shows: the path below its namespace ("app" under "team"); the whole path when not grouped. */
  label?: string;
}

/** The repositories of a catalog that share their first path segment ("catalog" for catalog/repo-001). */
export interface NamespaceNode {
  kind: 'namespace';
  id: string;
  domain: string;
  namespace: string;
  repositories: string[];
}

export interface RemoteTagNode {
  kind: 'remoteTag';
  id: string;
  domain: string;
  repository: string;
  tag: string;
  /** A signature is attached to the tag's manifest (a cosign `.sig` tag or a referrer), as the tag list shows. */
  signed?: boolean;
}

export interface RemotePlatformNode {
  kind: 'remotePlatform';
  id: string;
  domain: string;
  repository: string;
  tag: string;
  /** "linux/amd64"; "unknown" when the registry does not say. */
  platform: string;
  digest: string;
  size: number;
  multiPlatform: boolean;
}

export interface LoadMoreNode {
  kind: 'loadMore';
  id: string;
  registry: RegistryNode;
}

export interface RegistryMessageNode {
  kind: 'registryMessage';
  id: string;
  text: string;
  tooltip?: string;
  icon: 'error' | 'account' | 'info' | 'search';
  command?: { command: string; title: string; arguments?: unknown[] };
}

export type RegistriesTreeNode = RegistryNode | NamespaceNode | RepositoryNode | RemoteTagNode | RemotePlatformNode | LoadMoreNode | RegistryMessageNode;

export function remoteReference(node: RemoteTagNode | RemotePlatformNode): ImageReference {
  return { domain: node.domain, path: node.repository, tag: node.tag };
}

/** "redis:7", "localhost:5000/team/app:1.0": what a user would type to pull the tag. */
export function remoteTagName(node: RemoteTagNode | RemotePlatformNode): string {
  return familiarString(remoteReference(node));
}

export function repositoryName(node: RepositoryNode | RemoteTagNode | RemotePlatformNode): string {
  return familiarString({ domain: node.domain, path: node.repository });
}

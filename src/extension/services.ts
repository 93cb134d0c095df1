// What commands and views get from activate(): built once, passed down explicitly (no global
// service locator), disposed through the extension context.

import type * as vscode from 'vscode';
import type { ImageStore } from '../core/store/imageStore';
import type { EngineAccess } from './engines/engineAccess';
import type { InspectDocuments } from './inspectDocuments';
import type { Inspector } from './inspector/registerInspector';
import type { RegistryAccess } from './registries/registryAccess';
import type { StevedoreSettings } from './settings';
import type { StoreAccess } from './storeAccess';
import type { TransferList } from './transfers/transferList';
import type { ImagesTreeProvider, ImagesViewNode } from './views/imagesTreeProvider';
import type { ContainersTreeNode } from './views/containerNodes';
import type { ContainersTreeProvider } from './views/containersTreeProvider';
import type { RegistriesTreeProvider } from './views/registriesTreeProvider';
import type { RegistriesTreeNode } from './views/registryNodes';

export interface Services {
  readonly context: vscode.ExtensionContext;
  readonly log: vscode.LogOutputChannel;
  settings(): StevedoreSettings;
  readonly store: StoreAccess;
  readonly registries: RegistryAccess;
  readonly images: ImagesTreeProvider;
  readonly imagesView: vscode.TreeView<ImagesViewNode>;
  readonly registriesTree: RegistriesTreeProvider;
  readonly registriesView: vscode.TreeView<RegistriesTreeNode>;
  readonly engines: EngineAccess;
  readonly containersTree: ContainersTreeProvider;
  readonly containersView: vscode.TreeView<ContainersTreeNode>;
  /** The store engine images are read into for the inspector (core/engine/engineImageCache.ts). */
  getEngineCache(): Promise<ImageStore>;
  readonly inspectDocuments: InspectDocuments;
  /** The layer and digest inspector (webview panels). */
  readonly inspector: Inspector;
  /** Running and recently ended transfers, drawn by the Transfers view. */
  readonly transfers: TransferList;
}

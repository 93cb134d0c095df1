// The extension host entry. activate() builds the objects the views and commands need and passes
// them down explicitly; the core does the work. Nothing slow happens here: the store is opened on
// the first look at the Images view, registries are contacted only when a registry is expanded,
// so activation costs little (it is timed and logged, and `npm run bench` prints it).

// First import on purpose: it timestamps the start of the bundle's evaluation.
import { bundleEvaluationStarted } from './loadTimer';
import { performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import { engineCachePath } from '../core/engine/engineCachePath';
import type { ImageStore } from '../core/store/imageStore';
import { FileImageStore } from '../core/store/fileImageStore';
import { EngineAccess } from './engines/engineAccess';
import { INSPECT_SCHEME, InspectDocuments } from './inspectDocuments';
import { registerInspector, type Inspector } from './inspector/registerInspector';
import { policiesInEffect } from './trust/policiesInEffect';
import { RegistryAccess } from './registries/registryAccess';
import { SecretCredentials } from './registries/secretCredentials';
import { registerCommands } from './registerCommands';
import type { Services } from './services';
import { PROXY_SETTINGS, readSettings, SECTION } from './settings';
import { cliForSettings, containerDiff } from './containers/containerCli';
import { StoreAccess } from './storeAccess';
import { TransferList } from './transfers/transferList';
import { TRANSFERS_VIEW, TransfersView } from './transfers/transfersView';
import type { ContainersTreeNode } from './views/containerNodes';
import { ContainersTreeProvider } from './views/containersTreeProvider';
import { ImagesDragAndDrop } from './views/imagesDragAndDrop';
import { ImagesTreeProvider, type ImagesViewNode } from './views/imagesTreeProvider';
import { RegistriesTreeProvider } from './views/registriesTreeProvider';
import type { RegistriesTreeNode } from './views/registryNodes';

/** Every module of the bundle has been evaluated once this line runs (the entry module comes last). */
const bundleEvaluated = performance.now();

export interface StevedoreApi {
  readonly version: string;
  /** How long activate() took, in milliseconds. */
  readonly activationMs: number;
  /** How long after activate() began both views had their data providers. */
  readonly viewsRegisteredMs: number;
  /** How long evaluating the extension's bundle took, in milliseconds (before VS Code called activate()). */
  readonly codeLoadMs: number;
  /** The store the extension works on now. */
  readonly storePath: string;
  readonly imagesTree: vscode.TreeDataProvider<ImagesViewNode> &
    Pick<ImagesTreeProvider, 'imageNodes' | 'roots' | 'storeRoots' | 'engineChildren' | 'engineImageNodes' | 'refresh' | 'refreshEngine' | 'filter'>;
  readonly registriesTree: vscode.TreeDataProvider<RegistriesTreeNode> & Pick<RegistriesTreeProvider, 'registryNodes' | 'refresh'>;
  /** What the Registries view shows selected, and whether it is on screen (Browse Tags reveals there). */
  readonly registriesView: Pick<vscode.TreeView<RegistriesTreeNode>, 'selection' | 'visible'>;
  /** What handles images dragged between the Images view's sources, and files dropped on it. */
  readonly imagesDrop: Pick<vscode.TreeDragAndDropController<ImagesViewNode>, 'handleDrop' | 'handleDrag' | 'dropMimeTypes' | 'dragMimeTypes'>;
  readonly containersTree: vscode.TreeDataProvider<ContainersTreeNode> & Pick<ContainersTreeProvider, 'containerNodes' | 'refresh'>;
  openStore(): Promise<ImageStore>;
  /** The inspector panels: `restore` is what VS Code's webview serializer calls after a reload. */
  readonly inspector: Pick<Inspector, 'restore' | 'isOpen' | 'timeline' | 'signatures' | 'tree'>;
  /** What the Transfers view draws: each transfer with a row per layer; `cancel` is its Cancel button. */
  readonly transfers: Pick<TransferList, 'view' | 'cancel' | 'onDidChange'>;
}

export function activate(context: vscode.ExtensionContext): StevedoreApi {
  const started = performance.now();
  const codeLoadMs = bundleEvaluated - bundleEvaluationStarted;
  const log = vscode.window.createOutputChannel('Stevedore', { log: true });
  context.subscriptions.push(log);

  // The two views first: until createTreeView runs, VS Code shows "There is no data provider
  // registered" in them. Everything they need is cheap to construct (nothing is read yet).
  const store = new StoreAccess(() => readSettings().storePath, (path) => FileImageStore.open(path), log);
  const secrets = new SecretCredentials(context.secrets, context.globalState);
  const registries = new RegistryAccess(readSettings, secrets);
  const engines = new EngineAccess(readSettings);
  const images = new ImagesTreeProvider(store, engines, readSettings, context.workspaceState, log);
  const imagesDrop = new ImagesDragAndDrop(log);
  const imagesView = vscode.window.createTreeView<ImagesViewNode>('stevedore.images', {
    treeDataProvider: images,
    canSelectMany: true,
    showCollapseAll: true,
    dragAndDropController: imagesDrop,
  });
  const registriesTree = new RegistriesTreeProvider(readSettings, registries, store, log);
  const registriesView = vscode.window.createTreeView<RegistriesTreeNode>('stevedore.registries', { treeDataProvider: registriesTree, canSelectMany: true, showCollapseAll: true });
  const containersTree = new ContainersTreeProvider(store, log, async (opened, record) => containerDiff(await cliForSettings(readSettings(), context.extensionPath), opened, record));
  const containersView = vscode.window.createTreeView<ContainersTreeNode>('stevedore.containers', { treeDataProvider: containersTree, showCollapseAll: true });
  const transfers = new TransferList();
  const transfersView = new TransfersView(transfers, context.extensionUri);
  context.subscriptions.push(transfersView, vscode.window.registerWebviewViewProvider(TRANSFERS_VIEW, transfersView));
  const viewsRegisteredMs = performance.now() - started;
  const inspectDocuments = new InspectDocuments(store, engines);
  context.subscriptions.push(store, registries, images, imagesView, registriesTree, registriesView, engines, containersTree, containersView, inspectDocuments);
  context.subscriptions.push(vscode.workspace.registerTextDocumentContentProvider(INSPECT_SCHEME, inspectDocuments));

  let engineCache: Promise<ImageStore> | undefined;
  // Engine images are read into a store of their own under the user's cache folder, opened on first use.
  const getEngineCache = (): Promise<ImageStore> => (engineCache ??= FileImageStore.open(engineCachePath(process.env)));
  const inspector = registerInspector(context, { getStore: () => store.open(), getEngineCache, log, trustPolicies: () => policiesInEffect(readSettings()) });

  const services: Services = { context, log, settings: readSettings, store, registries, images, imagesView, registriesTree, registriesView, engines, containersTree, containersView, getEngineCache, inspectDocuments, inspector, transfers };
  context.subscriptions.push(...registerCommands(services));

  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (PROXY_SETTINGS.some((key) => e.affectsConfiguration(key))) registries.reset();
      if (!e.affectsConfiguration(SECTION)) return;
      store.pathMayHaveChanged();
      registries.reset();
      images.refresh();
      registriesTree.refresh();
      engines.reset();
      images.refreshEngine();
      updateContextKeys(images, imagesView);
    }),
  );
  updateContextKeys(images, imagesView);

  const activationMs = performance.now() - started;
  // `npm run bench` reads this line (bench/activationBench.ts): keep its shape.
  log.info(`Stevedore activated in ${activationMs.toFixed(1)} ms (code loaded in ${codeLoadMs.toFixed(1)} ms; views registered after ${viewsRegisteredMs.toFixed(1)} ms; store: ${store.path})`);
  return {
    version: String(context.extension.packageJSON.version ?? ''),
    activationMs,
    viewsRegisteredMs,
    codeLoadMs,
    get storePath() {
      return store.path;
    },
    imagesTree: images,
    registriesTree,
    registriesView,
    imagesDrop,
    containersTree,
    openStore: () => store.open(),
    inspector,
    transfers,
  };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}

/** Context keys the view title buttons key on, and the filter shown beside the view's title. */
function updateContextKeys(images: ImagesTreeProvider, view: vscode.TreeView<unknown>): void {
  const filter = images.filter;
  view.description = filter ? `filter: ${filter}` : undefined;
  void vscode.commands.executeCommand('setContext', 'stevedore.images.showDangling', readSettings().showDangling);
  void vscode.commands.executeCommand('setContext', 'stevedore.images.filtered', filter !== '');
}

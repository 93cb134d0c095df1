// The inspector webview's state and the glue between its parts: what the host pushed (image,
// analysis, verification), what the user chose (layer, view, filter), the tree request in flight.
// Each part renders itself from that state; the app decides what to ask the host for. The choices
// are saved with setState on every change, so a reload restores the panel as it was left.

import type { CompactTree } from '../../core/layers/compactTree';
import { h, icon, replaceChildren } from './dom';
import { FileTreeView } from './fileTreeView';
import { HeaderView } from './headerView';
import { IpcError, type IpcEndpoint } from './ipc';
import { stepText } from './layerRows';
import { LayersView } from './layersView';
import { ToHost, ToWebview, type AnalysisState, type ImageOverview, type ImageState, type InspectorViewState, type TreeView, type VerifyState } from './protocol';
import { SignaturesView } from './signaturesView';
import { installTooltips } from './tooltip';
import { WastedView } from './wastedView';

export interface AppHost {
  endpoint: IpcEndpoint;
  saveState(state: InspectorViewState): void;
}

export class InspectorApp {
  private image: ImageState = { state: 'loading' };
  private analysis: AnalysisState = { state: 'waiting' };
  private verify: VerifyState = { state: 'idle' };
  private viewState: InspectorViewState;
  /** `layer:view` of the tree shown or being fetched; responses for any other key are stale. */
  private treeKey = '';
  private treeRequest = 0;
  private progressFrame = false;
  private paintedSent = false;
  private readonly screen = h('div', { class: 'screen', role: 'status' });
  private readonly content = h('div', { class: 'content' });
  private readonly header: HeaderView;
  private readonly layers: LayersView;
  private readonly files: FileTreeView;
  private readonly wasted: WastedView;
  private readonly signatures = new SignaturesView();

  constructor(
    private readonly root: HTMLElement,
    private readonly host: AppHost,
    viewState: InspectorViewState,
  ) {
    this.viewState = viewState;
    const copy = (text: string, label: string): void => host.endpoint.notify(ToHost.copy, { text, label });
    this.header = new HeaderView({
      copy,
      verify: () => host.endpoint.notify(ToHost.verify, {}),
      cancelVerify: () => host.endpoint.notify(ToHost.cancelVerify, {}),
      retry: () => this.retry(),
    });
    this.layers = new LayersView({ copy, select: (layer) => this.selectLayer(layer) });
    this.files = new FileTreeView({
      setView: (view) => this.setView(view),
      setFilter: (text) => this.setFilter(text),
      setChangesOnly: (on) => this.setChangesOnly(on),
      retry: () => this.retryFiles(),
    });
    this.wasted = new WastedView({ showPath: (path, layer) => this.showPath(path, layer) });
    // The upper part (header, layers) takes what it needs up to half the panel and scrolls inside
    // itself beyond that; the file tree and wasted files fill the rest, so the page never scrolls.
    this.content.append(h('div', { class: 'upper' }, this.header.element, this.signatures.element, this.layers.element), h('div', { class: 'lower' }, this.files.element, this.wasted.element));
  }

  /** `image`: the header and layers as the page carried them, drawn before anything is asked. */
  start(image?: ImageOverview): void {
    replaceChildren(this.root, this.screen, this.content);
    installTooltips(this.root);
    if (image) this.onImage({ state: 'ready', image });
    else this.renderScreen();
    const { endpoint } = this.host;
    endpoint.onNotification(ToWebview.image, (state) => this.onImage(state));
    endpoint.onNotification(ToWebview.analysis, (state) => this.onAnalysis(state));
    endpoint.onNotification(ToWebview.verify, (state) => this.onVerify(state));
    endpoint.onNotification(ToWebview.signatures, (state) => this.signatures.update(state));
    // Listening now: the host answers with where things stand.
    endpoint.notify(ToHost.ready, { viewState: this.viewState, imageShown: image !== undefined });
    this.host.saveState(this.viewState);
  }

  private onImage(state: ImageState): void {
    this.image = state;
    if (state.state === 'ready') {
      const { image } = state;
      // The panel may have been opened by ID and the host now knows the name; keep both for a reload.
      this.viewState = { ...this.viewState, image: { manifestDigest: this.viewState.image.manifestDigest, reference: this.viewState.image.reference ?? image.references[0] } };
      if (this.viewState.selectedLayer !== null && this.viewState.selectedLayer >= image.layers.length) this.viewState.selectedLayer = null;
      if (this.viewState.selectedLayer === null && image.layers.length > 0) this.viewState.selectedLayer = 0;
      this.save();
      document.title = image.title;
    }
    this.renderScreen();
    this.renderAll();
    if (state.state === 'ready' && !this.paintedSent) {
      this.paintedSent = true;
      // After the frame that shows the header and layers table has been drawn.
      requestAnimationFrame(() => setTimeout(() => this.host.endpoint.notify(ToHost.painted, {}), 0));
    }
  }

  private onAnalysis(state: AnalysisState): void {
    const wasReady = this.analysis.state === 'ready';
    const wasLoading = this.analysis.state === 'loading';
    this.analysis = state;
    if (state.state === 'loading' && wasLoading && this.image.state === 'ready') {
      // Progress only: the cheap path, at most once per frame.
      this.scheduleProgress();
      return;
    }
    this.renderAll();
    if (state.state === 'ready' && !wasReady) this.loadTree();
    else if (state.state !== 'ready') this.showAnalysisState();
  }

  private onVerify(state: VerifyState): void {
    const wasRunning = this.verify.state === 'running';
    this.verify = state;
    const image = this.readyImage();
    if (!image) return;
    if (state.state === 'running' && wasRunning) {
      this.scheduleProgress();
      return;
    }
    this.header.update(image, this.analysis, this.verify, new Date());
    this.layers.update(image, this.analysis, this.verify, this.viewState.selectedLayer);
  }

  private scheduleProgress(): void {
    if (this.progressFrame) return;
    this.progressFrame = true;
    requestAnimationFrame(() => {
      this.progressFrame = false;
      const image = this.readyImage();
      if (!image) return;
      if (this.analysis.state === 'loading') {
        if (!this.header.showAnalysisProgress(this.analysis.progress)) this.renderAll();
        this.layers.showAnalysisProgress(this.analysis.progress);
      }
      if (this.verify.state === 'running' && !this.header.showVerifying(image, this.verify.progress)) this.header.update(image, this.analysis, this.verify, new Date());
    });
  }

  private selectLayer(layer: number): void {
    if (this.viewState.selectedLayer === layer) return;
    this.viewState.selectedLayer = layer;
    this.save();
    const image = this.readyImage();
    if (image) this.layers.update(image, this.analysis, this.verify, layer);
    this.updateFilesContext();
    this.loadTree();
  }

  private setView(view: TreeView): void {
    if (this.viewState.view === view) return;
    this.viewState.view = view;
    this.save();
    this.updateFilesContext();
    this.loadTree();
  }

  private setFilter(text: string): void {
    if (this.viewState.filter === text) return;
    this.viewState.filter = text;
    this.save();
    this.files.applyFilter(this.filter());
  }

  private setChangesOnly(on: boolean): void {
    if (this.viewState.changesOnly === on) return;
    this.viewState.changesOnly = on;
    this.save();
    this.files.applyFilter(this.filter());
  }

  /** From the wasted list: the path in the layer whose version is visible, else filtered where we are. */
  private showPath(path: string, layer: number | null): void {
    this.viewState.filter = path;
    this.viewState.changesOnly = false;
    this.files.setFilterText(path);
    if (layer !== null) {
      this.viewState.selectedLayer = layer;
      this.viewState.view = 'merged';
    }
    this.save();
    const image = this.readyImage();
    if (image) this.layers.update(image, this.analysis, this.verify, this.viewState.selectedLayer);
    this.updateFilesContext();
    if (this.treeKey === `${this.viewState.selectedLayer}:${this.viewState.view}` && this.files.hasTree) this.files.applyFilter(this.filter());
    else this.loadTree();
  }

  /** Loading the image or analysing it failed: the host tries both again. */
  private retry(): void {
    this.treeKey = '';
    this.host.endpoint.notify(ToHost.retry, {});
  }

  /** The file tree failed: fetch it again, or everything again if the analysis is what failed. */
  private retryFiles(): void {
    if (this.analysis.state === 'ready') {
      this.treeKey = '';
      this.loadTree();
    } else {
      this.retry();
    }
  }

  private loadTree(): void {
    const layer = this.viewState.selectedLayer;
    this.updateFilesContext();
    if (this.analysis.state !== 'ready' || layer === null) {
      this.showAnalysisState();
      return;
    }
    const key = `${layer}:${this.viewState.view}`;
    const sameTree = key === this.treeKey && this.files.hasTree;
    if (sameTree) return;
    this.treeKey = key;
    const request = ++this.treeRequest;
    const view = this.viewState.view;
    this.files.showMessage('loading', view === 'merged' ? `Merging layers 0 to ${layer}…` : `Reading the files of layer ${layer}…`);
    this.host.endpoint.request(ToHost.getTree, { layer, view }).then(
      (tree: CompactTree) => {
        if (request !== this.treeRequest) return;
        this.files.showTree(tree, this.filter(), false);
      },
      (err: unknown) => {
        if (request !== this.treeRequest) return;
        this.treeKey = '';
        const error = err instanceof IpcError ? { message: err.message, ...(err.code ? { code: err.code } : {}) } : { message: String(err) };
        this.files.showMessage('error', error.message, error);
      },
    );
  }

  private showAnalysisState(): void {
    if (this.analysis.state === 'error') this.files.showMessage('error', this.analysis.error.message, this.analysis.error);
    else if (this.analysis.state !== 'ready') this.files.showMessage('loading', 'Analysing layers: the file trees show when every layer has been read…');
    else if (this.viewState.selectedLayer === null) this.files.showMessage('empty', 'The image has no layers.');
    this.treeKey = '';
    this.treeRequest++;
  }

  private renderScreen(): void {
    const state = this.image;
    this.content.hidden = state.state !== 'ready';
    this.screen.hidden = state.state === 'ready';
    if (state.state === 'loading') {
      replaceChildren(this.screen, h('span', { class: 'spinner', 'aria-hidden': 'true' }), h('span', {}, 'Loading the image…'));
    } else if (state.state === 'error') {
      const retry = h('button', { class: 'button', type: 'button', id: 'retry' }, icon('refresh'), 'Try Again');
      retry.addEventListener('click', () => this.retry());
      replaceChildren(
        this.screen,
        h('div', { class: 'screen-error', role: 'alert' }, icon('error', 'icon bad large'), h('div', {}, h('h1', {}, 'Cannot inspect this image'), h('p', {}, state.error.message), retry)),
      );
    }
  }

  private renderAll(): void {
    const image = this.readyImage();
    if (!image) return;
    this.header.update(image, this.analysis, this.verify, new Date());
    this.layers.update(image, this.analysis, this.verify, this.viewState.selectedLayer);
    this.wasted.update(this.analysis);
    this.updateFilesContext();
  }

  private updateFilesContext(): void {
    const image = this.readyImage();
    const layer = this.viewState.selectedLayer;
    const info = image && layer !== null ? image.layers[layer] : undefined;
    const step = info && info.historyIndex !== null ? stepText(image?.history[info.historyIndex] ?? null) : '';
    this.files.setContext({
      layer,
      layerCount: image?.layers.length ?? 0,
      step,
      view: this.viewState.view,
      filter: this.viewState.filter,
      changesOnly: this.viewState.changesOnly,
    });
  }

  private readyImage(): ImageOverview | undefined {
    return this.image.state === 'ready' ? this.image.image : undefined;
  }

  private filter(): { text: string; changesOnly: boolean } {
    return { text: this.viewState.filter, changesOnly: this.viewState.changesOnly };
  }

  private save(): void {
    this.host.saveState(this.viewState);
  }
}

// One inspector panel, showing one image. The host side of the webview: it loads the image from the
// store, analyses its layers (from the cache when another look already did), answers the webview's
// requests for file trees, runs verification with progress and cancel, and copies digests. States
// are kept here, not in the webview, so a webview that VS Code re-creates (after the tab was hidden,
// or after a reload) gets them again when it says it is ready.

import { performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import { isCancelled } from '../../core/errors';
import type { CompactTree } from '../../core/layers/compactTree';
import { analyseImageLayers, type ImageLayers } from '../../core/layers/imageLayers';
import { verifyImage } from '../../core/layers/verifyImage';
import type { TransferLayerEvent } from '../../core/transfer/transferEvent';
import type { Image } from '../../core/image/image';
import type { ImageRecord, ImageStore } from '../../core/store/imageStore';
import type { TrustPolicy } from '../../core/trust/policyTypes';
import { summarizeSignatures } from '../../core/trust/signatureSummary';
import { errorInfo, IpcEndpoint } from '../../webview/inspector/ipc';
import {
  INSPECTOR_VIEW_TYPE,
  ToHost,
  ToWebview,
  type AnalysisState,
  type ImageState,
  type InspectorTarget,
  type SignaturesState,
  type TreeParams,
  type VerifyState,
} from '../../webview/inspector/protocol';
import { findByManifest, type ResolvedImage } from './inspectorArgument';
import type { InspectorAssets } from './inspectorAssets';
import { escapeHtml, inspectorHtml, newNonce } from './inspectorHtml';
import type { InspectorImages } from './inspectorImages';
import { imageOverview } from './imageOverview';
import { ProgressGate } from './progressGate';
import { shortId } from '../../core/shortId';

export interface InspectorPanelDeps {
  getStore(): Promise<ImageStore>;
  /** The store engine images are read into, for panels on an engine's image. */
  getEngineCache(): Promise<ImageStore>;
  log: vscode.LogOutputChannel;
  extensionUri: vscode.Uri;
  /** The trust policies signatures are checked under (the extension's own and the machine's). */
  trustPolicies(): Promise<TrustPolicy[]>;
  /** The page's script and stylesheet, read once. */
  assets: InspectorAssets;
  /** Images opened lately, loaded once. */
  images: InspectorImages;
}

const MAX_COPY = 4096;
/** Progress messages per layer while analysing: the bar moves in 4 % steps. */
const ANALYSIS_PROGRESS_STEPS = 25;

export class InspectorPanel implements vscode.Disposable {
  private readonly endpoint: IpcEndpoint;
  private readonly lifetime = new AbortController();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly disposedEmitter = new vscode.EventEmitter<void>();
  readonly onDidDispose = this.disposedEmitter.event;
  private imageState: ImageState = { state: 'loading' };
  private analysisState: AnalysisState = { state: 'waiting' };
  private verifyState: VerifyState = { state: 'idle' };
  private signaturesState: SignaturesState = { state: 'loading' };
  private loaded: { image: Image; store: ImageStore; record: ImageRecord } | undefined;
  private loading: Promise<void> | undefined;
  private layers: Promise<ImageLayers> | undefined;
  private verification: AbortController | undefined;
  private disposed = false;
  /** The webview has drawn the header and layers table; the analysis waits for that (first paint first). */
  private painted = false;
  private readonly events: string[] = [];
  /** When the panel was made, and when its steps to first paint happened (ms since then), for the log. */
  private readonly made = performance.now();
  private readonly marks: Record<string, number> = {};

  /** A new panel beside the active editor, on an image the caller found in the store just now. */
  static create(deps: InspectorPanelDeps, target: InspectorTarget, title: string, found: ResolvedImage): InspectorPanel {
    const panel = vscode.window.createWebviewPanel(INSPECTOR_VIEW_TYPE, panelTitle(title), { viewColumn: vscode.ViewColumn.Active, preserveFocus: false }, panelOptions(deps.extensionUri));
    return new InspectorPanel(deps, panel, target, title, found);
  }

  /** A panel VS Code restored after a reload, from the state its webview saved. */
  static restore(deps: InspectorPanelDeps, panel: vscode.WebviewPanel, target: InspectorTarget): InspectorPanel {
    panel.webview.options = panelOptions(deps.extensionUri);
    return new InspectorPanel(deps, panel, target, target.reference ?? shortId(target.manifestDigest));
  }

  private constructor(
    private readonly deps: InspectorPanelDeps,
    readonly panel: vscode.WebviewPanel,
    readonly target: InspectorTarget,
    title: string,
    found?: ResolvedImage,
  ) {
    panel.iconPath = vscode.Uri.joinPath(deps.extensionUri, 'media', 'stevedore.svg');
    this.endpoint = new IpcEndpoint(
      (message) => panel.webview.postMessage(message),
      (problem) => deps.log.warn(`inspector ${title}: ${problem}`),
    );
    this.endpoint.onNotification(ToHost.ready, (params) => {
      this.mark('page ready');
      this.onReady(params?.imageShown === true);
    });
    this.endpoint.onNotification(ToHost.painted, () => {
      this.note('painted');
      if (this.mark('painted')) deps.log.info(`inspector: first paint of ${title}: ${Object.entries(this.marks).map(([k, v]) => `${k} +${v.toFixed(0)} ms`).join(', ')} (after the panel was made)`);
      this.painted = true;
      this.startAnalysis();
    });
    this.endpoint.onRequest(ToHost.getTree, (params) => this.tree(params));
    this.endpoint.onNotification(ToHost.verify, () => this.startVerify());
    this.endpoint.onNotification(ToHost.cancelVerify, () => this.verification?.abort());
    this.endpoint.onNotification(ToHost.retry, () => this.retry());
    this.endpoint.onNotification(ToHost.copy, (params) => void this.copy(params));
    this.disposables.push(
      panel.webview.onDidReceiveMessage((message: unknown) => this.endpoint.receive(message)),
      panel.onDidDispose(() => this.dispose()),
    );
    // The page is written once the manifest and config are read (a few milliseconds), with the
    // header and layers in it: the page draws them as soon as its script runs, instead of saying
    // "ready" and waiting for them to come back (a round trip through VS Code's renderer).
    this.loading = this.load(found);
    void this.writePage(title);
  }

  /** Writes the page once the image is read (or could not be) and the page's files are in. */
  private async writePage(title: string): Promise<void> {
    const [assets] = await Promise.all([this.deps.assets.read().catch((err: unknown) => err as Error), this.loading]);
    if (this.disposed) return;
    if (assets instanceof Error) {
      this.deps.log.error(`inspector: cannot read the page's files: ${assets.message}`);
      this.panel.webview.html = `<!DOCTYPE html><html lang="en"><body><p>The inspector's page could not be read (${escapeHtml(assets.message)}). Reinstall the extension or run \`npm run build\` again.</p></body></html>`;
      return;
    }
    this.panel.webview.html = inspectorHtml({
      cspSource: this.panel.webview.cspSource,
      ...assets,
      nonce: newNonce(),
      title: panelTitle(this.imageState.state === 'ready' ? this.imageState.image.title : title),
      target: this.target,
      ...(this.imageState.state === 'ready' ? { image: this.imageState.image } : {}),
    });
  }

  reveal(): void {
    this.panel.reveal(undefined, false);
  }

  /**
   * What passed between host and page, in order ("image:ready", "painted", "analysis:loading", …;
   * each state once, not every progress message): how a test sees that the first paint did not
   * wait for the analysis, without timing anything.
   */
  get timeline(): readonly string[] {
    return this.events;
  }

  /** Records the first time of a step; true the first time. */
  private mark(step: string): boolean {
    if (step in this.marks) return false;
    this.marks[step] = performance.now() - this.made;
    return true;
  }

  private note(event: string): void {
    if (this.events[this.events.length - 1] !== event && this.events.length < 200) this.events.push(event);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.lifetime.abort();
    this.verification?.abort();
    this.endpoint.close();
    this.panel.dispose();
    for (const d of this.disposables) d.dispose();
    this.disposedEmitter.fire();
    this.disposedEmitter.dispose();
  }

  /** `imageShown`: the page drew the image its HTML carried; it is sent only if it changed since (a Retry). */
  private onReady(imageShown = false): void {
    if (!imageShown || this.imageState.state !== 'ready') this.endpoint.notify(ToWebview.image, this.imageState);
    this.endpoint.notify(ToWebview.analysis, this.analysisState);
    this.endpoint.notify(ToWebview.verify, this.verifyState);
    this.endpoint.notify(ToWebview.signatures, this.signaturesState);
  }

  /** What the Signatures section shows now (for the extension's API and its tests). */
  get signatures(): SignaturesState {
    return this.signaturesState;
  }

  private setSignatures(state: SignaturesState): void {
    this.signaturesState = state;
    this.endpoint.notify(ToWebview.signatures, state);
  }

  /** Checks the kept signatures again under the policies in effect now (offline: nothing is fetched). */
  private async checkSignatures(): Promise<void> {
    const loaded = this.loaded;
    if (!loaded) return;
    if (this.target.source === 'engine-cache') {
      this.setSignatures({ state: 'none', why: 'An engine image, read through its export: engines keep no signatures.' });
      return;
    }
    this.setSignatures({ state: 'loading' });
    try {
      const summary = await summarizeSignatures(loaded.store, loaded.record, await this.deps.trustPolicies());
      if (!this.disposed) this.setSignatures({ state: 'ready', summary });
    } catch (err) {
      if (this.disposed) return;
      this.deps.log.warn(`inspector: checking the signatures of ${this.target.reference ?? this.target.manifestDigest} failed: ${errorInfo(err).message}`);
      this.setSignatures({ state: 'error', error: errorInfo(err) });
    }
  }

  private setImage(state: ImageState): void {
    this.note(`image:${state.state}`);
    this.imageState = state;
    this.endpoint.notify(ToWebview.image, state);
  }

  private setAnalysis(state: AnalysisState): void {
    this.note(`analysis:${state.state}`);
    this.analysisState = state;
    this.endpoint.notify(ToWebview.analysis, state);
  }

  private setVerify(state: VerifyState): void {
    this.verifyState = state;
    this.endpoint.notify(ToWebview.verify, state);
  }

  /** `found`: the image as the opener found it in the store just now, so it is not looked up again. */
  private async load(found?: ResolvedImage): Promise<void> {
    this.setImage({ state: 'loading' });
    try {
      const store = this.target.source === 'engine-cache' ? await this.deps.getEngineCache() : await this.deps.getStore();
      const { record, reference } = found ?? (await findByManifest(store, this.target.manifestDigest, this.target.reference));
      const image = await this.deps.images.load(store, record);
      if (this.disposed) return;
      const overview = imageOverview(record, image, reference);
      this.loaded = { image, store, record };
      this.panel.title = panelTitle(overview.title);
      this.mark('image read');
      this.setImage({ state: 'ready', image: overview });
      void this.checkSignatures();
    } catch (err) {
      if (this.disposed) return;
      this.deps.log.error(`inspector: cannot load ${this.target.reference ?? this.target.manifestDigest}: ${errorInfo(err).message}`);
      this.setImage({ state: 'error', error: errorInfo(err) });
      return;
    }
    // A webview re-created after the image was loaded again (Retry) has painted already.
    if (this.painted) this.startAnalysis();
  }

  /** Starts the layer analysis once: when the page has painted, or when it asks for a tree first. */
  private startAnalysis(): void {
    if (this.layers || !this.loaded) return;
    this.analyse();
  }

  private analyse(): void {
    const loaded = this.loaded;
    if (!loaded) return;
    const gate = new ProgressGate(ANALYSIS_PROGRESS_STEPS);
    this.setAnalysis({ state: 'loading' });
    const started = Date.now();
    const layers = analyseImageLayers(loaded.image, {
      signal: this.lifetime.signal,
      onProgress: (progress) => {
        if (gate.pass(`${progress.layer}:${progress.state}`, progress.bytes, progress.totalBytes)) this.setAnalysis({ state: 'loading', progress });
      },
    });
    this.layers = layers;
    layers.then(
      (result) => {
        if (this.disposed) return;
        this.deps.log.info(`inspector: analysed ${result.layerCount} layer(s) of ${this.target.reference ?? this.target.manifestDigest} in ${Date.now() - started} ms`);
        this.setAnalysis({ state: 'ready', analysis: result.analysis });
      },
      (err: unknown) => {
        if (this.disposed || isCancelled(err)) return;
        this.deps.log.error(`inspector: analysing the layers of ${this.target.reference ?? this.target.manifestDigest} failed: ${errorInfo(err).message}`);
        this.setAnalysis({ state: 'error', error: errorInfo(err) });
      },
    );
  }

  /** A layer's file tree as the page gets it when it asks (ToHost.getTree), for the extension's API. */
  fileTree(layer: number, view: 'layer' | 'merged'): Promise<CompactTree> {
    return this.tree({ layer, view });
  }

  private async tree(params: TreeParams): Promise<CompactTree> {
    if (typeof params !== 'object' || params === null || !Number.isInteger(params.layer) || (params.view !== 'layer' && params.view !== 'merged')) {
      throw new Error('The inspector asked for a file tree without a valid layer and view.');
    }
    await this.loading;
    this.startAnalysis();
    if (!this.layers) throw new Error('The layers have not been analysed: the image could not be loaded.');
    const layers = await this.layers;
    return params.view === 'merged' ? layers.mergedTree(params.layer) : layers.layerTree(params.layer);
  }

  private startVerify(): void {
    const loaded = this.loaded;
    if (!loaded || this.verifyState.state === 'running') return;
    const controller = new AbortController();
    this.verification = controller;
    const signal = AbortSignal.any([controller.signal, this.lifetime.signal]);
    const gate = new ProgressGate();
    this.setVerify({ state: 'running' });
    // Verify checks the signatures again too: a key may have been revoked or the policy changed.
    void this.checkSignatures();
    let blob: TransferLayerEvent | undefined;
    verifyImage(loaded.image, {
      signal,
      onEvent: (event) => {
        if (event.kind === 'layer') blob = event;
        else if (event.kind === 'bytes' && blob && gate.pass(blob.id, blob.current, blob.total)) this.setVerify({ state: 'running', progress: { blob, all: event } });
      },
    }).then(
      (result) => {
        if (this.disposed) return;
        const bad = result.checks.filter((c) => c.status !== 'match');
        if (bad.length) this.deps.log.warn(`inspector: verification of ${this.target.reference ?? this.target.manifestDigest} found ${bad.length} problem(s): ${bad.map((c) => c.message ?? c.status).join(' | ')}`);
        else this.deps.log.info(`inspector: all ${result.checks.length} digests of ${this.target.reference ?? this.target.manifestDigest} match`);
        this.setVerify({ state: 'done', result });
      },
      (err: unknown) => {
        if (this.disposed) return;
        if (isCancelled(err)) {
          this.setVerify({ state: 'cancelled' });
          return;
        }
        this.deps.log.error(`inspector: verification failed: ${errorInfo(err).message}`);
        this.setVerify({ state: 'error', error: errorInfo(err) });
      },
    );
  }

  private retry(): void {
    if (this.imageState.state === 'error') this.loading = this.load();
    else if (this.analysisState.state === 'error') this.analyse();
    else this.onReady();
  }

  private async copy(params: { text: string; label: string }): Promise<void> {
    if (typeof params?.text !== 'string' || params.text.length === 0 || params.text.length > MAX_COPY) return;
    const label = typeof params.label === 'string' ? params.label.slice(0, 40) : 'text';
    await vscode.env.clipboard.writeText(params.text);
    vscode.window.setStatusBarMessage(`$(copy) Copied ${label}`, 3000);
  }
}

export function webviewFolder(extensionUri: vscode.Uri): vscode.Uri {
  return vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
}

function panelOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  // Only the bundled webview folder is readable from the page; no command links.
  return { enableScripts: true, enableCommandUris: false, localResourceRoots: [webviewFolder(extensionUri)], enableFindWidget: true };
}

export function panelTitle(imageTitle: string): string {
  return `Inspect ${imageTitle}`;
}

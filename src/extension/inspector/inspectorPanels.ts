// The open inspector panels, one per image (keyed by the manifest digest the store lists): opening
// an image that already has a panel brings that panel forward instead of making a second one.

import type * as vscode from 'vscode';
import { StevedoreError } from '../../core/errors';
import { parseViewState } from '../../webview/inspector/protocol';
import { resolveInspectorImage, type InspectorRequest, type ResolvedImage } from './inspectorArgument';
import { imageTitle } from './imageOverview';
import { InspectorPanel, type InspectorPanelDeps } from './inspectorPanel';
import { pickInspectorImage } from './pickInspectorImage';

export interface OpenedInspector {
  manifestDigest: string;
  imageId: string;
  title: string;
  /** True when a panel for the image was already open and was brought forward. */
  reused: boolean;
}

export class InspectorPanels implements vscode.Disposable {
  private readonly panels = new Map<string, InspectorPanel>();

  constructor(private readonly deps: InspectorPanelDeps) {}

  /** Opens (or reveals) the panel of the image a request names; undefined when the user picked nothing. */
  async open(request: InspectorRequest): Promise<OpenedInspector | undefined> {
    const store = await this.deps.getStore();
    const resolved: ResolvedImage | undefined = request.kind === 'pick' ? await pickInspectorImage(store) : await resolveInspectorImage(store, request);
    if (!resolved) return undefined;
    const { record, reference } = resolved;
    const title = imageTitle(record, reference);
    const opened = { manifestDigest: record.manifestDigest, imageId: record.id, title };
    const existing = this.panels.get(record.manifestDigest);
    if (existing) {
      existing.reveal();
      return { ...opened, reused: true };
    }
    const target = reference ? { manifestDigest: record.manifestDigest, reference } : { manifestDigest: record.manifestDigest };
    this.track(InspectorPanel.create(this.deps, target, title));
    this.deps.log.info(`inspector: opened ${title} (${record.manifestDigest})`);
    return { ...opened, reused: false };
  }

  /** Brings back a panel VS Code restored after a reload; the webview saved which image it showed. */
  async restore(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const viewState = parseViewState(state);
    if (!viewState) {
      // Nothing says which image this was (a panel closed before its page loaded): an empty tab helps nobody.
      this.deps.log.warn('inspector: a restored panel had no saved image; closing it');
      panel.dispose();
      return;
    }
    if (this.panels.has(viewState.image.manifestDigest)) {
      panel.dispose();
      return;
    }
    this.track(InspectorPanel.restore(this.deps, panel, viewState.image));
  }

  /** The panel showing an image, if one is open. */
  panelFor(manifestDigest: string): InspectorPanel | undefined {
    return this.panels.get(manifestDigest);
  }

  dispose(): void {
    for (const panel of [...this.panels.values()]) panel.dispose();
    this.panels.clear();
  }

  private track(panel: InspectorPanel): void {
    const key = panel.target.manifestDigest;
    if (this.panels.has(key)) throw new StevedoreError('INVALID_ARGUMENT', `An inspector for ${key} is already open.`);
    this.panels.set(key, panel);
    panel.onDidDispose(() => {
      if (this.panels.get(key) === panel) this.panels.delete(key);
    });
  }
}

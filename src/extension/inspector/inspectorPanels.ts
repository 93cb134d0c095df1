// The open inspector panels, one per image (keyed by the manifest digest the store lists): opening
// an image that already has a panel brings that panel forward instead of making a second one.

import { performance } from 'node:perf_hooks';
import type * as vscode from 'vscode';
import { StevedoreError } from '../../core/errors';
import { parseInspectorTarget, parseViewState, type InspectorTarget } from '../../webview/inspector/protocol';
import { resolveInspectorImage, type InspectorRequest, type ResolvedImage } from './inspectorArgument';
import { imageTitle } from './imageOverview';
import { InspectorPanel, panelTitle, type InspectorPanelDeps } from './inspectorPanel';
import { pickInspectorImage } from './pickInspectorImage';

export interface OpenedInspector {
  manifestDigest: string;
  imageId: string;
  title: string;
  /** True when a panel for the image was already open and was brought forward. */
  reused: boolean;
}

/** workspaceState key: the images of recently opened panels, by panel title (newest first). */
const OPENED_KEY = 'stevedore.inspector.opened';
const OPENED_KEPT = 30;

interface OpenedEntry {
  title: string;
  target: InspectorTarget;
}

export class InspectorPanels implements vscode.Disposable {
  private readonly panels = new Map<string, InspectorPanel>();

  /** `memory` (the workspace state) remembers which image each panel showed, for panels reloaded before their page saved it. */
  constructor(
    private readonly deps: InspectorPanelDeps,
    private readonly memory?: vscode.Memento,
  ) {}

  /** Opens (or reveals) the panel of the image a request names; undefined when the user picked nothing. */
  async open(request: InspectorRequest): Promise<OpenedInspector | undefined> {
    const fromCache = request.kind === 'record' && request.source === 'engine-cache';
    const store = fromCache ? await this.deps.getEngineCache() : await this.deps.getStore();
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
    const target: InspectorTarget = { manifestDigest: record.manifestDigest, ...(reference ? { reference } : {}), ...(fromCache ? { source: 'engine-cache' as const } : {}) };
    // Before the panel exists: a reload right after this must still know what the tab showed. The
    // memento has the entry as soon as update() is called; its write to disk is not waited for,
    // since that round trip to the window would hold up the panel (first paint).
    const remembered = this.remember(panelTitle(title), target).catch((err: unknown) => this.deps.log.warn(`inspector: could not remember the panel of ${title}: ${String(err)}`));
    const chosen = performance.now();
    this.track(InspectorPanel.create(this.deps, target, title, resolved));
    this.deps.log.info(`inspector: opened ${title} (${record.manifestDigest}); panel made ${(performance.now() - chosen).toFixed(0)} ms after the image was known`);
    await remembered;
    return { ...opened, reused: false };
  }

  /** Brings back a panel VS Code restored after a reload; the webview saved which image it showed. */
  async restore(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    // The page saves its state once its script runs; a window reloaded before that (a second after
    // opening) restores the tab with no state, and the title is then what says which image it was.
    const target = parseViewState(state)?.image ?? this.remembered(panel.title);
    if (!target) {
      // Nothing says which image this was: an empty tab helps nobody.
      this.deps.log.warn(`inspector: a restored panel (${panel.title}) had no saved image; closing it`);
      panel.dispose();
      return;
    }
    if (this.panels.has(target.manifestDigest)) {
      panel.dispose();
      return;
    }
    this.track(InspectorPanel.restore(this.deps, panel, target));
  }

  private remembered(title: string): InspectorTarget | undefined {
    const entries = this.memory?.get<unknown>(OPENED_KEY);
    if (!Array.isArray(entries)) return undefined;
    for (const entry of entries as Partial<OpenedEntry>[]) {
      if (entry?.title !== title) continue;
      const target = parseInspectorTarget(entry.target);
      if (target) return target;
    }
    return undefined;
  }

  private async remember(title: string, target: InspectorTarget): Promise<void> {
    if (!this.memory) return;
    const before = this.memory.get<unknown>(OPENED_KEY);
    const others = (Array.isArray(before) ? (before as OpenedEntry[]) : []).filter((e) => e?.title !== title);
    await this.memory.update(OPENED_KEY, [{ title, target }, ...others].slice(0, OPENED_KEPT));
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
      this.deps.log.debug(`inspector: closed the panel of ${key}`);
      if (this.panels.get(key) === panel) this.panels.delete(key);
    });
  }
}

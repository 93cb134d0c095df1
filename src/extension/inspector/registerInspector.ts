// Wires the layer and digest inspector into the extension: the `stevedore.openInspector` command,
// the serializer that brings panels back after VS Code restarts, and an `open` function for other
// commands (the Images view's Inspect). activate() calls registerInspector once:
//
//   const inspector = registerInspector(context, { getStore: () => store.open(), log });
//
// The command resolves to the same outcome shape as the other commands (see registerCommands.ts):
// { ok: true, value } with the panel opened (undefined when the quick pick was dismissed), or
// { ok: false, cancelled, code, message } after the failure was shown and logged.

import * as vscode from 'vscode';
import { StevedoreError } from '../../core/errors';
import type { CompactTree } from '../../core/layers/compactTree';
import type { ImageRecord, ImageStore } from '../../core/store/imageStore';
import type { TrustPolicy } from '../../core/trust/policyTypes';
import { INSPECTOR_VIEW_TYPE, OPEN_INSPECTOR_COMMAND, type SignaturesState } from '../../webview/inspector/protocol';
import { reportError } from '../errorReporting';
import { inspectorRequest } from './inspectorArgument';
import { InspectorAssets } from './inspectorAssets';
import { InspectorImages } from './inspectorImages';
import { webviewFolder } from './inspectorPanel';
import { InspectorPanels, type OpenedInspector } from './inspectorPanels';

export interface InspectorDeps {
  getStore(): Promise<ImageStore>;
  /** The store engine images are read into (core/engine/engineImageCache.ts). */
  getEngineCache(): Promise<ImageStore>;
  log: vscode.LogOutputChannel;
  /** The trust policies the Signatures section checks under (trust/policiesInEffect.ts). */
  trustPolicies(): Promise<TrustPolicy[]>;
}

/** An image to inspect: a reference or ID, or an Images view item (anything with a `record`). */
export type InspectorTargetArg = string | { record: Pick<ImageRecord, 'manifestDigest'>; reference?: string };

export interface Inspector {
  /** Opens the image's panel, or brings it forward; throws (a StevedoreError) when the image cannot be found. */
  open(image: InspectorTargetArg): Promise<OpenedInspector | undefined>;
  /** What VS Code's serializer calls for a panel it brings back after a reload (`state` as the page saved it, if it did). */
  restore(panel: vscode.WebviewPanel, state: unknown): Promise<void>;
  /** Whether a panel shows the image now (a closed tab is forgotten once VS Code says it was disposed). */
  isOpen(manifestDigest: string): boolean;
  /** The open panel's host–page events in order (InspectorPanel.timeline); empty when none is open. */
  timeline(manifestDigest: string): readonly string[];
  /** What the Signatures section of the image's panel shows; undefined when no panel shows it. */
  signatures(manifestDigest: string): SignaturesState | undefined;
  /** The file tree the open panel of the image serves its page for a layer ('layer': its own changes; 'merged': the filesystem up to it). */
  tree(manifestDigest: string, layer: number, view: 'layer' | 'merged'): Promise<CompactTree>;
}

export function registerInspector(context: vscode.ExtensionContext, deps: InspectorDeps): Inspector {
  const assets = new InspectorAssets(webviewFolder(context.extensionUri).fsPath);
  const panels = new InspectorPanels({ ...deps, extensionUri: context.extensionUri, assets, images: new InspectorImages() }, context.workspaceState);
  context.subscriptions.push(
    panels,
    vscode.window.registerWebviewPanelSerializer(INSPECTOR_VIEW_TYPE, {
      deserializeWebviewPanel: (panel: vscode.WebviewPanel, state: unknown) => panels.restore(panel, state),
    }),
    vscode.commands.registerCommand(OPEN_INSPECTOR_COMMAND, async (arg?: unknown) => {
      try {
        return { ok: true, value: await panels.open(inspectorRequest(arg)) };
      } catch (err) {
        return { ok: false, ...reportError(deps.log, 'Open inspector', err) };
      }
    }),
  );
  return {
    open: (image) => panels.open(inspectorRequest(image)),
    restore: (panel, state) => panels.restore(panel, state),
    isOpen: (digest) => panels.panelFor(digest) !== undefined,
    timeline: (digest) => panels.panelFor(digest)?.timeline ?? [],
    signatures: (digest) => panels.panelFor(digest)?.signatures,
    tree: async (digest, layer, view) => {
      const panel = panels.panelFor(digest);
      if (!panel) throw new StevedoreError('INVALID_ARGUMENT', `No inspector panel shows ${digest}: open it first.`);
      return panel.fileTree(layer, view);
    },
  };
}

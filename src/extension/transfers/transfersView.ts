// The Transfers view (a webview view in the Stevedore side bar): every running pull, push, load,
// save and copy with a bar per layer, its bytes, speed and state, and a Cancel button; the last few
// that ended stay with their outcome. Updates are coalesced (a fast download must not flood the
// page), and while something runs the view is redrawn each second so a stalled layer's speed falls.

import * as vscode from 'vscode';
import { newNonce } from '../inspector/inspectorHtml';
import { webviewFolder } from '../inspector/inspectorPanel';
import { parseTransfersRequest, type TransfersMessage } from '../../webview/transfers/protocol';
import type { TransferList } from './transferList';
import { transfersHtml } from './transfersHtml';

export const TRANSFERS_VIEW = 'stevedore.transfers';
const COALESCE_MS = 200;
const TICK_MS = 1_000;

export class TransfersView implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private pending: NodeJS.Timeout | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private readonly subscription: { dispose(): void };
  private readonly status: vscode.StatusBarItem;

  constructor(
    private readonly transfers: TransferList,
    private readonly extensionUri: vscode.Uri,
  ) {
    this.subscription = transfers.onDidChange(() => this.schedule());
    // While anything runs, a status bar item says so and opens this view (the notification cannot carry a button).
    this.status = vscode.window.createStatusBarItem('stevedore.transfers', vscode.StatusBarAlignment.Left, 10);
    this.status.name = 'Stevedore Transfers';
    this.status.command = 'stevedore.showTransfers';
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    const root = webviewFolder(this.extensionUri);
    view.webview.options = { enableScripts: true, enableCommandUris: false, localResourceRoots: [root] };
    view.webview.onDidReceiveMessage((message: unknown) => {
      const request = parseTransfersRequest(message);
      if (request?.type === 'ready') this.post();
      else if (request?.type === 'cancel') this.transfers.cancel(request.id);
      else if (request?.type === 'clear') this.transfers.clearEnded();
    });
    view.onDidChangeVisibility(() => this.post());
    view.onDidDispose(() => {
      if (this.view === view) this.view = undefined;
    });
    view.webview.html = transfersHtml({
      cspSource: view.webview.cspSource,
      scriptUri: view.webview.asWebviewUri(vscode.Uri.joinPath(root, 'transfers.js')).toString(),
      styleUri: view.webview.asWebviewUri(vscode.Uri.joinPath(root, 'transfers.css')).toString(),
      nonce: newNonce(),
    });
  }

  private schedule(): void {
    this.pending ??= setTimeout(() => {
      this.pending = undefined;
      this.post();
    }, COALESCE_MS);
  }

  private post(): void {
    const running = this.transfers.running;
    this.updateStatus();
    if (running.length > 0) this.ticker ??= setInterval(() => this.post(), TICK_MS);
    else if (this.ticker) {
      clearInterval(this.ticker);
      this.ticker = undefined;
    }
    if (!this.view?.visible) return;
    const message: TransfersMessage = { type: 'transfers', transfers: this.transfers.view() };
    void this.view.webview.postMessage(message);
  }

  private updateStatus(): void {
    const running = this.transfers.running;
    if (running.length === 0) {
      this.status.hide();
      return;
    }
    const first = running[0]!;
    const percent = first.progress.snapshot().percent;
    this.status.text = running.length === 1 ? `$(sync~spin) ${first.title} ${percent} %` : `$(sync~spin) ${running.length} transfers`;
    this.status.tooltip = 'Show each layer of the transfers in progress';
    this.status.show();
  }

  dispose(): void {
    if (this.pending) clearTimeout(this.pending);
    if (this.ticker) clearInterval(this.ticker);
    this.subscription.dispose();
    this.status.dispose();
  }
}

// The extension host entry. It builds the objects the views and commands need and passes them
// down; the core does the work. Views and commands arrive with their issues.

import * as vscode from 'vscode';

export interface StevedoreApi {
  readonly version: string;
}

export function activate(context: vscode.ExtensionContext): StevedoreApi {
  const log = vscode.window.createOutputChannel('Stevedore', { log: true });
  context.subscriptions.push(log);
  log.info('Stevedore activated');
  return { version: String(context.extension.packageJSON.version ?? '') };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}

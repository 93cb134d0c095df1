// Restricted Mode (Workspace Trust): what reads workspace content to act on it is refused until
// the user trusts the workspace; browsing the store and registries still works. package.json
// declares `capabilities.untrustedWorkspaces: limited` and the settings VS Code ignores meanwhile.

import * as vscode from 'vscode';
import { ExtensionError } from './errorActions';

export const MANAGE_TRUST = { title: 'Manage Workspace Trust', command: 'workbench.trust.manage' } as const;

/** Throws UNTRUSTED_WORKSPACE (with a Manage Workspace Trust button) when the workspace is not trusted. */
export function requireTrustedWorkspace(what: string): void {
  if (vscode.workspace.isTrusted) return;
  throw new ExtensionError(
    'UNTRUSTED_WORKSPACE',
    `${what} is not available in Restricted Mode: this workspace is not trusted. Trust it to use ${what}; browsing images and registries works either way. Nothing was changed.`,
    [MANAGE_TRUST],
  );
}

// Filter Repositories…: a registry's catalog shows only the repositories whose path contains the
// text (case-insensitive); an empty text shows them all again. The filter shows beside the registry.

import * as vscode from 'vscode';
import { StevedoreError } from '../../core/errors';
import type { RegistryNode } from '../views/registryNodes';
import { isNode, stringArg, type ExtensionCommand } from './command';

export const filterRepositoriesCommand: ExtensionCommand = {
  id: 'stevedore.registries.filter',
  operation: 'Filter repositories',
  async run(ctx) {
    const { services } = ctx;
    const node = isNode(ctx.clicked) && ctx.clicked.kind === 'registry' ? (ctx.clicked as RegistryNode) : undefined;
    const domain = node?.domain ?? stringArg(ctx, 'registry');
    if (!domain) throw new StevedoreError('INVALID_ARGUMENT', 'Filter Repositories… works on a registry of the Registries view: right-click one.');
    const text =
      stringArg(ctx, 'text') ??
      (await vscode.window.showInputBox({ title: `Filter the repositories of ${domain}`, prompt: 'Text the repository path contains (empty: show all)', value: services.registriesTree.filterOf(domain) }));
    if (text === undefined) return undefined;
    services.registriesTree.setFilter(domain, text);
    return text.trim();
  },
};

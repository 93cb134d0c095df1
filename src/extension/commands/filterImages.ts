// Filter…: narrows the Images view to references matching a pattern, as `images --filter
// reference=PATTERN` does ("redis", "team/*", "*:1.0"). The pattern is kept per workspace.

import * as vscode from 'vscode';
import { StevedoreError } from '../../core/errors';
import { matchesReferencePattern, parseReference } from '../../core/reference/reference';
import { stringArg, type ExtensionCommand } from './command';

export const filterImagesCommand: ExtensionCommand = {
  id: 'stevedore.images.filter',
  operation: 'Filter images',
  async run(ctx) {
    const { services } = ctx;
    const pattern =
      stringArg(ctx, 'pattern') ??
      (await vscode.window.showInputBox({
        title: 'Filter images by reference',
        prompt: 'A reference pattern with * wildcards, as in `images --filter reference=…`: redis, team/*, *:1.0. Empty shows all.',
        value: services.images.filter,
        validateInput: validatePattern,
      }));
    if (pattern === undefined) return undefined;
    const problem = validatePattern(pattern);
    if (problem) throw new StevedoreError('INVALID_ARGUMENT', problem);
    await services.images.setFilter(pattern);
    await applyFilterState(ctx.services.imagesView, pattern.trim());
    return pattern.trim();
  },
};

export async function applyFilterState(view: vscode.TreeView<unknown>, pattern: string): Promise<void> {
  view.description = pattern ? `filter: ${pattern}` : undefined;
  await vscode.commands.executeCommand('setContext', 'stevedore.images.filtered', pattern !== '');
}

function validatePattern(value: string): string | undefined {
  if (!value.trim()) return undefined;
  try {
    matchesReferencePattern(value.trim(), parseReference('example'));
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

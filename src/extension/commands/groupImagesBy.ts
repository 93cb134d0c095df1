// Group By…: repository (tags as children), registry, or a flat list (setting images.groupBy).

import * as vscode from 'vscode';
import { updateSetting, type GroupBy } from '../settings';
import { stringArg, type ExtensionCommand } from './command';

const CHOICES: { value: GroupBy; label: string }[] = [
  { value: 'repository', label: 'Repository' },
  { value: 'registry', label: 'Registry' },
  { value: 'none', label: 'None (a flat list)' },
];

export const groupImagesByCommand: ExtensionCommand = {
  id: 'stevedore.images.groupBy',
  operation: 'Group images',
  async run(ctx) {
    const current = ctx.services.settings().groupBy;
    const value =
      (CHOICES.find((c) => c.value === stringArg(ctx, 'groupBy'))?.value) ??
      (await vscode.window.showQuickPick(CHOICES.map((c) => ({ ...c, description: c.value === current ? 'current' : '' })), { placeHolder: 'Group images by' }))?.value;
    if (!value) return undefined;
    await updateSetting('images.groupBy', value);
    ctx.services.images.refresh();
    return value;
  },
};

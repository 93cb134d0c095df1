// Sort By…: newest first, by name, or largest first (setting images.sortBy).

import * as vscode from 'vscode';
import { updateSetting, type SortBy } from '../settings';
import { stringArg, type ExtensionCommand } from './command';

const CHOICES: { value: SortBy; label: string }[] = [
  { value: 'created', label: 'Created (newest first)' },
  { value: 'name', label: 'Name' },
  { value: 'size', label: 'Size (largest first)' },
];

export const sortImagesByCommand: ExtensionCommand = {
  id: 'stevedore.images.sortBy',
  operation: 'Sort images',
  async run(ctx) {
    const current = ctx.services.settings().sortBy;
    const value =
      (CHOICES.find((c) => c.value === stringArg(ctx, 'sortBy'))?.value) ??
      (await vscode.window.showQuickPick(CHOICES.map((c) => ({ ...c, description: c.value === current ? 'current' : '' })), { placeHolder: 'Sort images by' }))?.value;
    if (!value) return undefined;
    await updateSetting('images.sortBy', value);
    ctx.services.images.refresh();
    return value;
  },
};

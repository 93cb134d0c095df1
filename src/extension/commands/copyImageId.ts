// Copy Image ID: the full config digest ("sha256:…"), which is Docker's image ID.

import * as vscode from 'vscode';
import { shortDigest } from '../../core/shortId';
import { selectedEngineImages, selectedImageNodes, type ExtensionCommand } from './command';
import { pickImages } from './prompts';

export const copyImageIdCommand: ExtensionCommand = {
  id: 'stevedore.copyImageId',
  operation: 'Copy image ID',
  async run(ctx) {
    // An engine's image ID is the same config digest.
    let ids = [...selectedImageNodes(ctx).map((n) => n.record.id), ...selectedEngineImages(ctx).map((n) => n.image.Id)];
    if (ids.length === 0) ids = (await pickImages(ctx.services, { placeHolder: 'Image whose ID to copy', canPickMany: false })).map((n) => n.record.id);
    if (ids.length === 0) return undefined;
    const text = [...new Set(ids)].join('\n');
    await vscode.env.clipboard.writeText(text);
    vscode.window.setStatusBarMessage(`$(copy) Copied ${text.split('\n').length === 1 ? shortDigest(text) : 'image IDs'}`, 3000);
    return text;
  },
};

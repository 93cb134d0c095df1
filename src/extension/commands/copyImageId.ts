// Copy Image ID: the full config digest ("sha256:…"), which is Docker's image ID.

import * as vscode from 'vscode';
import { shortDigest } from '../../core/shortId';
import { selectedImageNodes, type ExtensionCommand } from './command';
import { pickImages } from './prompts';

export const copyImageIdCommand: ExtensionCommand = {
  id: 'stevedore.copyImageId',
  operation: 'Copy image ID',
  async run(ctx) {
    let nodes = selectedImageNodes(ctx);
    if (nodes.length === 0) nodes = await pickImages(ctx.services, { placeHolder: 'Image whose ID to copy', canPickMany: false });
    if (nodes.length === 0) return undefined;
    const text = [...new Set(nodes.map((n) => n.record.id))].join('\n');
    await vscode.env.clipboard.writeText(text);
    vscode.window.setStatusBarMessage(`$(copy) Copied ${text.split('\n').length === 1 ? shortDigest(text) : 'image IDs'}`, 3000);
    return text;
  },
};

// Inspect as JSON: `docker image inspect`'s JSON for the image, in a read-only editor.

import * as vscode from 'vscode';
import { selectedImageNodes, type ExtensionCommand } from './command';
import { imageName, pickImages } from './prompts';

export const inspectImageJsonCommand: ExtensionCommand = {
  id: 'stevedore.inspectImageJson',
  operation: 'Inspect as JSON',
  async run(ctx) {
    const { services } = ctx;
    const nodes = selectedImageNodes(ctx);
    const node = nodes.find((n) => n === ctx.clicked) ?? nodes[0] ?? (await pickImages(services, { placeHolder: 'Image to inspect', canPickMany: false }))[0];
    if (!node) return undefined;
    const uri = services.inspectDocuments.uriFor(node.record, imageName(node));
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.languages.setTextDocumentLanguage(doc, 'json');
    await vscode.window.showTextDocument(doc, { preview: true });
    return uri.toString();
  },
};

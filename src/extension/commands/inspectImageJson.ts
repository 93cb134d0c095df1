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
    // Read here first: VS Code wraps a content provider's failure in text of its own, which would
    // lose a damaged store's error code and its Repair Store button.
    await (await services.store.open()).load(node.record);
    const uri = services.inspectDocuments.uriFor(node.record, imageName(node));
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.languages.setTextDocumentLanguage(doc, 'json');
    await vscode.window.showTextDocument(doc, { preview: true });
    return uri.toString();
  },
};

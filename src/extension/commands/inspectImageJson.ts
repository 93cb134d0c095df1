// Inspect as JSON: `docker image inspect`'s JSON for the image, in a read-only editor: the store's
// own for its images, the engine's for an engine's image.

import * as vscode from 'vscode';
import { selectedEngineImages, selectedImageNodes, type ExtensionCommand } from './command';
import { imageName, pickImages } from './prompts';

export const inspectImageJsonCommand: ExtensionCommand = {
  id: 'stevedore.inspectImageJson',
  operation: 'Inspect as JSON',
  async run(ctx) {
    const { services } = ctx;
    const nodes = selectedImageNodes(ctx);
    const engineNodes = selectedEngineImages(ctx);
    const engineNode = nodes.length === 0 ? (engineNodes.find((n) => n === ctx.clicked) ?? engineNodes[0]) : undefined;
    if (engineNode) {
      // Asked here first, for the same reason as the store's below (an engine that stopped, say).
      await services.inspectDocuments.engineDocument(engineNode.source, engineNode.image.Id);
      const uri = services.inspectDocuments.engineUriFor(engineNode.source, engineNode.image.Id, engineNode.name);
      await showJson(uri);
      return uri.toString();
    }
    const node = nodes.find((n) => n === ctx.clicked) ?? nodes[0] ?? (await pickImages(services, { placeHolder: 'Image to inspect', canPickMany: false }))[0];
    if (!node) return undefined;
    // Read here first: VS Code wraps a content provider's failure in text of its own, which would
    // lose a damaged store's error code and its Repair Store button.
    await (await services.store.open()).load(node.record);
    const uri = services.inspectDocuments.uriFor(node.record, imageName(node));
    await showJson(uri);
    return uri.toString();
  },
};

async function showJson(uri: vscode.Uri): Promise<void> {
  const doc = await vscode.workspace.openTextDocument(uri);
  await vscode.languages.setTextDocumentLanguage(doc, 'json');
  await vscode.window.showTextDocument(doc, { preview: true });
}

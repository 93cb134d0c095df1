// Copy Full Tag: "redis:latest", "localhost:5000/team/app:1.0" (one per line for several items),
// from the store's rows, an engine's rows and the Registries view's tags.

import * as vscode from 'vscode';
import { StevedoreError } from '../../core/errors';
import { remoteTagName, type RemotePlatformNode, type RemoteTagNode } from '../views/registryNodes';
import { isNode, selectedEngineImages, selectedImageNodes, type ExtensionCommand } from './command';
import { imageName, pickImages } from './prompts';

export const copyFullTagCommand: ExtensionCommand = {
  id: 'stevedore.copyFullTag',
  operation: 'Copy full tag',
  async run(ctx) {
    const remote = ctx.selected.filter((n): n is RemoteTagNode | RemotePlatformNode => isNode(n) && (n.kind === 'remoteTag' || n.kind === 'remotePlatform'));
    let names = remote.map(remoteTagName);
    // An engine's row: the name the engine lists it by ("myapp:dev", as `docker images` shows it).
    if (names.length === 0) names = selectedEngineImages(ctx).flatMap((n) => (n.tag ? [n.tag] : []));
    if (names.length === 0) {
      let nodes = selectedImageNodes(ctx).filter((n) => n.reference);
      if (nodes.length === 0 && ctx.selected.length === 0) nodes = await pickImages(ctx.services, { placeHolder: 'Image whose tag to copy', canPickMany: false, filter: (n) => !n.dangling });
      names = nodes.map(imageName);
    }
    if (names.length === 0) {
      if (ctx.selected.length > 0) throw new StevedoreError('INVALID_ARGUMENT', 'The selected image has no tag to copy; copy its image ID instead.');
      return undefined;
    }
    const text = [...new Set(names)].join('\n');
    await vscode.env.clipboard.writeText(text);
    vscode.window.setStatusBarMessage(`$(copy) Copied ${names.length === 1 ? text : `${names.length} tags`}`, 3000);
    return text;
  },
};

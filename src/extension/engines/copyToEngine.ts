// Copy to Docker / Copy to Podman: store images (Images view) or the other engine's images into an
// engine, under the names they have; what dropping images onto an engine in the Engines view does.

import * as vscode from 'vscode';
import type { CopyResult } from '../../core/copy/copyImage';
import { shortId } from '../../core/shortId';
import type { EngineKind } from '../../core/engine/engineEndpoint';
import { familiarString, parseReference } from '../../core/reference/reference';
import { selectedEngineImages, selectedImageNodes, type CommandContext } from '../commands/command';
import { runCopies, type CopyRequest } from './copyImages';
import { engineLabel } from './engineAccess';

export async function copyToEngine(ctx: CommandContext, engine: EngineKind): Promise<CopyResult[] | undefined> {
  const requests: CopyRequest[] = [];
  for (const node of selectedImageNodes(ctx)) {
    // A digest reference names no tag an engine could use; the image goes by ID then.
    const tagged = node.reference && !node.reference.includes('@') ? node.reference : undefined;
    requests.push({
      source: { kind: 'store', name: tagged ?? node.record.id },
      destination: { kind: 'engine', engine, name: tagged ?? '' },
      label: tagged ? familiarString(parseReference(tagged)) : shortId(node.record.id),
    });
  }
  for (const node of selectedEngineImages(ctx)) {
    if (node.engine === engine) continue;
    requests.push({ source: { kind: 'engine', engine: node.engine, name: node.name }, destination: { kind: 'engine', engine, name: node.tag ?? '' }, label: node.tag ?? shortId(node.image.Id) });
  }
  if (requests.length === 0) {
    void vscode.window.showInformationMessage(`Choose images in the Images view to copy to ${engineLabel(engine)}.`);
    return undefined;
  }
  const what = requests.length === 1 ? requests[0]!.label : `${requests.length} images`;
  return runCopies(ctx.services, requests, `Copying ${what} to ${engineLabel(engine)}`);
}

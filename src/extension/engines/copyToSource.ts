// Copy to Stevedore / Docker / Podman / an added engine: the selected images of the other sources
// (store images, and other engines' images) into the target, under the names they have; what
// dropping images onto a source's row in the Images view does.

import * as vscode from 'vscode';
import type { CopyResult } from '../../core/copy/copyImage';
import type { ImageLocation } from '../../core/copy/imageLocation';
import { shortId } from '../../core/shortId';
import type { EngineKind } from '../../core/engine/engineEndpoint';
import { familiarString, parseReference } from '../../core/reference/reference';
import { selectedEngineImages, selectedImageNodes, type CommandContext } from '../commands/command';
import { runCopies, type CopyRequest } from './copyImages';
import type { ImageSource } from './imageSources';

export async function copyToSource(ctx: CommandContext, target: ImageSource): Promise<CopyResult[] | undefined> {
  const requests: CopyRequest[] = [];
  const to = (name: string): ImageLocation => (target.kind === 'store' ? { kind: 'store', name } : engineLocation(target.id, target.kind, name));
  if (target.kind !== 'store') {
    for (const node of selectedImageNodes(ctx)) {
      // A digest reference names no tag an engine could use; the image goes by ID then.
      const tagged = node.reference && !node.reference.includes('@') ? node.reference : undefined;
      requests.push({
        source: { kind: 'store', name: tagged ?? node.record.id },
        destination: to(tagged ?? ''),
        label: tagged ? familiarString(parseReference(tagged)) : shortId(node.record.id),
      });
    }
  }
  for (const node of selectedEngineImages(ctx)) {
    if (node.source === target.id) continue;
    requests.push({ source: engineLocation(node.source, node.engine, node.name), destination: to(node.tag ?? ''), label: node.tag ?? shortId(node.image.Id) });
  }
  if (requests.length === 0) {
    void vscode.window.showInformationMessage(`Choose images of another source in the Images view to copy to ${target.label}.`);
    return undefined;
  }
  const what = requests.length === 1 ? requests[0]!.label : `${requests.length} images`;
  return runCopies(ctx.services, requests, `Copying ${what} to ${target.kind === 'store' ? 'the Stevedore store' : target.label}`);
}

/** Docker and Podman as found by their CLIs are the copy's own; an added engine goes by its name. */
export function engineLocation(sourceId: string, kind: EngineKind, name: string): ImageLocation {
  return { kind: 'engine', engine: kind, name, ...(sourceId === 'docker' || sourceId === 'podman' ? {} : { endpoint: sourceId }) };
}

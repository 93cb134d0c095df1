// Tag, Remove and Save on images listed under an engine in the Images view, through the core's
// engine client: the engine does the work and its own messages (a conflict with a container that
// uses the image, say) are passed through as they are. Save streams the engine's export straight
// into the archive file (written beside it under a temporary name, renamed when complete).

import * as vscode from 'vscode';
import { writeOutputFile } from '../../core/archive/outputFile';
import { shortId } from '../../core/shortId';
import { removeEngineImage, exportEngineImages, tagEngineImage } from '../../core/engine/engineImages';
import { StevedoreError } from '../../core/errors';
import { humanSize } from '../../core/format/humanSize';
import { familiarName, familiarString, parseReference } from '../../core/reference/reference';
import { withCancellableProgress } from '../progressNotification';
import type { Services } from '../services';
import { elapsedText } from '../transferProgress';
import type { EngineImageNode } from '../views/engineNodes';
import { engineLabel } from './imageSources';

export function engineImageName(node: EngineImageNode): string {
  return node.tag ?? shortId(node.image.Id);
}

export async function tagEngineImageAs(services: Services, node: EngineImageNode, target: string): Promise<{ reference: string; id: string }> {
  const ref = parseReference(target.trim());
  const client = await services.engines.client(node.source);
  await tagEngineImage(client, node.name, { repository: familiarName(ref), tag: ref.tag ?? 'latest' });
  services.images.refreshEngine(node.source);
  const familiar = familiarString(ref);
  services.log.info(`${engineLabel(node.source)}: tagged ${node.image.Id} as ${familiar}`);
  void vscode.window.showInformationMessage(`Tagged ${engineImageName(node)} as ${familiar} in ${engineLabel(node.source)}.`);
  return { reference: familiar, id: node.image.Id };
}

/** Untags each selected name as `docker rmi NAME` does (the image goes with its last tag); an untagged one goes by ID. */
export async function removeEngineImages(services: Services, nodes: readonly EngineImageNode[], force: boolean): Promise<{ untagged: number; deleted: number; message: string }> {
  let untagged = 0;
  let deleted = 0;
  try {
    for (const node of nodes) {
      const client = await services.engines.client(node.source);
      for (const item of await removeEngineImage(client, node.name, { force })) {
        if (item.Untagged) untagged++;
        if (item.Deleted) deleted++;
        services.log.info(`${engineLabel(node.source)}: ${item.Untagged ? `Untagged: ${item.Untagged}` : `Deleted: ${item.Deleted}`}`);
      }
    }
  } finally {
    for (const source of new Set(nodes.map((n) => n.source))) services.images.refreshEngine(source);
  }
  const names = nodes.map(engineImageName);
  const where = engineLabel(nodes[0]!.source);
  const message = `Removed ${names.length === 1 ? names[0] : `${names.length} images`} from ${where}: ${untagged} untagged, ${deleted} deleted.`;
  void vscode.window.showInformationMessage(message);
  return { untagged, deleted, message };
}

/** One archive (`docker save` format, as the engine writes it) of images of one engine. */
export async function saveEngineImages(services: Services, nodes: readonly EngineImageNode[], path: string): Promise<{ file: string; bytes: number; images: number }> {
  const sources = new Set(nodes.map((n) => n.source));
  if (sources.size > 1) {
    throw new StevedoreError('INVALID_ARGUMENT', 'Save images of one engine at a time: an engine writes its own archive. Copy them into the Stevedore store first to save them together.');
  }
  const source = nodes[0]!.source;
  const client = await services.engines.client(source);
  const names = [...new Set(nodes.map((n) => n.name))];
  const label = nodes.length === 1 ? engineImageName(nodes[0]!) : `${nodes.length} images`;
  const started = Date.now();
  let bytes = 0;
  services.log.info(`saving ${names.join(', ')} from ${client.describe()} to ${path}`);
  await withCancellableProgress(`Saving ${label} from ${engineLabel(source)}`, async (progress) => {
    async function* counted(): AsyncGenerator<Uint8Array> {
      for await (const chunk of exportEngineImages(client, names, progress.signal)) {
        bytes += chunk.length;
        progress.report(`${humanSize(bytes)} written`);
        yield chunk;
      }
    }
    const store = await services.store.open();
    await writeOutputFile(counted(), path, store.root, progress.signal);
  });
  const text = `Saved ${label} from ${engineLabel(source)} to ${path} — ${humanSize(bytes)}, ${elapsedText(Date.now() - started)}`;
  services.log.info(text);
  void vscode.window.showInformationMessage(`${text}.`);
  return { file: path, bytes, images: names.length };
}

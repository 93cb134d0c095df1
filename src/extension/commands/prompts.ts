// Pickers and confirmations the commands share when they run from the palette.

import * as vscode from 'vscode';
import { familiarString, parseReference } from '../../core/reference/reference';
import type { Services } from '../services';
import { imageDescription, type ImageNode } from '../views/imageTreeModel';
import { shortId } from '../../core/shortId';

interface ImagePick extends vscode.QuickPickItem {
  node: ImageNode;
}

/** Lets the user pick images from the store; `filter` narrows the choice (say, tagged ones only). */
export async function pickImages(services: Services, options: { placeHolder: string; canPickMany: boolean; filter?: (n: ImageNode) => boolean }): Promise<ImageNode[]> {
  const now = new Date();
  const nodes = (await services.images.imageNodes()).filter(options.filter ?? (() => true));
  if (nodes.length === 0) {
    void vscode.window.showInformationMessage('There are no images in the store for this. Pull, load or import one first.');
    return [];
  }
  const items: ImagePick[] = nodes.map((node) => ({
    label: node.reference ? familiarString(parseReference(node.reference)) : `<none> ${shortId(node.record.id)}`,
    description: imageDescription(node.record, now),
    detail: node.record.id,
    node,
  }));
  if (options.canPickMany) {
    const picked = await vscode.window.showQuickPick(items, { placeHolder: options.placeHolder, canPickMany: true, matchOnDetail: true });
    return (picked ?? []).map((p) => p.node);
  }
  const picked = await vscode.window.showQuickPick(items, { placeHolder: options.placeHolder, matchOnDetail: true });
  return picked ? [picked.node] : [];
}

/** A modal confirmation; resolves to the button chosen, or undefined when dismissed. */
export async function confirm(message: string, detail: string, ...buttons: string[]): Promise<string | undefined> {
  return vscode.window.showWarningMessage(message, { modal: true, detail }, ...buttons);
}

/** What to call an image in messages: "redis:latest", or the short ID of an untagged image. */
export function imageName(node: ImageNode): string {
  return node.reference ? familiarString(parseReference(node.reference)) : shortId(node.record.id);
}

/**
 * Asks for a name for an image being made: NAME[:TAG], checked as it is typed; an empty answer is
 * '' (an untagged image); undefined when dismissed.
 */
export async function askNewImageName(title: string, placeHolder: string): Promise<string | undefined> {
  return vscode.window.showInputBox({
    title,
    prompt: 'Name for the new image, as NAME[:TAG]; leave empty for an untagged image',
    placeHolder,
    validateInput: (value) => {
      if (!value.trim()) return undefined;
      try {
        return parseReference(value.trim()).digest ? 'Give NAME[:TAG], without a digest.' : undefined;
      } catch (err) {
        return (err as Error).message;
      }
    },
  });
}

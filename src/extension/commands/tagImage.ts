// Tag…: gives an image another name. From an image item (of the store, or of an engine, which then
// tags it itself), or from the palette with a picker; the new name is checked against the
// reference grammar as it is typed.

import * as vscode from 'vscode';
import { familiarName, familiarString, formatReference, parseReference, tryParseReference } from '../../core/reference/reference';
import { tagImage } from '../../core/store/tagImage';
import { engineImageName, tagEngineImageAs } from '../engines/engineImageActions';
import { selectedEngineImages, selectedImageNodes, stringArg, type ExtensionCommand } from './command';
import { imageName, pickImages } from './prompts';

export const tagImageCommand: ExtensionCommand = {
  id: 'stevedore.tagImage',
  operation: 'Tag',
  async run(ctx) {
    const { services } = ctx;
    const engineNode = selectedEngineImages(ctx).find((n) => ctx.clicked === n) ?? selectedEngineImages(ctx)[0];
    if (engineNode) {
      const current = engineNode.tag ? parseReference(engineNode.tag) : undefined;
      const target = stringArg(ctx, 'target') ?? (await askTarget(engineImageName(engineNode), current ? familiarName(current) : undefined));
      return target === undefined ? undefined : tagEngineImageAs(services, engineNode, target);
    }
    const node = selectedImageNodes(ctx).find((n) => ctx.clicked === n) ?? selectedImageNodes(ctx)[0] ?? (await pickImages(services, { placeHolder: 'Image to tag', canPickMany: false }))[0];
    if (!node) return undefined;
    const current = node.reference ? tryParseReference(node.reference) : null;
    const target = stringArg(ctx, 'target') ?? (await askTarget(imageName(node), current ? familiarName(current) : undefined));
    if (target === undefined) return undefined;
    const store = await services.store.open();
    const record = await tagImage(store, node.record.manifestDigest, target.trim());
    services.images.refresh();
    const full = formatReference(parseReference(target.trim()));
    services.log.info(`tagged ${record.id} as ${full}`);
    void vscode.window.showInformationMessage(`Tagged ${imageName(node)} as ${familiarString(parseReference(full))}.`);
    return { reference: full, id: record.id };
  },
};

/** Asks for the new name, proposing the image's repository with the cursor after its colon. */
function askTarget(name: string, repository: string | undefined): Thenable<string | undefined> {
  return vscode.window.showInputBox({
    title: `Tag ${name}`,
    prompt: 'New name, as NAME[:TAG] (the tag defaults to latest)',
    value: repository ? `${repository}:` : '',
    valueSelection: repository ? [repository.length + 1, repository.length + 1] : undefined,
    validateInput: validateTagTarget,
  });
}

/** An input box validator: undefined when `value` is a valid tag target, else why not. */
export function validateTagTarget(value: string): string | undefined {
  const text = value.trim();
  if (!text) return 'Give a name such as team/app:1.0';
  try {
    const ref = parseReference(text);
    if (ref.digest) return 'A tag cannot contain a digest (@sha256:…); give NAME[:TAG].';
  } catch (err) {
    return (err as Error).message;
  }
  return undefined;
}

// Tag…: gives an image another name. From an image item, or from the palette with a picker; the
// new name is checked against the reference grammar as it is typed.

import * as vscode from 'vscode';
import { familiarName, familiarString, formatReference, parseReference, tryParseReference } from '../../core/reference/reference';
import { tagImage } from '../../core/store/tagImage';
import { selectedImageNodes, stringArg, type ExtensionCommand } from './command';
import { imageName, pickImages } from './prompts';

export const tagImageCommand: ExtensionCommand = {
  id: 'stevedore.tagImage',
  operation: 'Tag',
  async run(ctx) {
    const { services } = ctx;
    const node = selectedImageNodes(ctx).find((n) => ctx.clicked === n) ?? selectedImageNodes(ctx)[0] ?? (await pickImages(services, { placeHolder: 'Image to tag', canPickMany: false }))[0];
    if (!node) return undefined;
    const current = node.reference ? tryParseReference(node.reference) : null;
    const target =
      stringArg(ctx, 'target') ??
      (await vscode.window.showInputBox({
        title: `Tag ${imageName(node)}`,
        prompt: 'New name, as NAME[:TAG] (the tag defaults to latest)',
        value: current ? `${familiarName(current)}:` : '',
        valueSelection: current ? [familiarName(current).length + 1, familiarName(current).length + 1] : undefined,
        validateInput: validateTagTarget,
      }));
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

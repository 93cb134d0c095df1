// Inspect: opens the layer and digest inspector on the image (its manifest, config, history, each
// layer's compressed digest and diffID, and the files every layer adds, changes or deletes).

import { selectedImageNodes, type ExtensionCommand } from './command';
import { pickImages } from './prompts';

export const inspectImageCommand: ExtensionCommand = {
  id: 'stevedore.inspectImage',
  operation: 'Inspect',
  async run(ctx) {
    const { services } = ctx;
    const nodes = selectedImageNodes(ctx);
    const node = nodes.find((n) => n === ctx.clicked) ?? nodes[0] ?? (await pickImages(services, { placeHolder: 'Image to inspect', canPickMany: false }))[0];
    if (!node) return undefined;
    return services.inspector.open(node.reference ? { record: node.record, reference: node.reference } : { record: node.record });
  },
};

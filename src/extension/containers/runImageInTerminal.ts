// Run and Run Interactive on an image: a new container (kept afterwards, as `docker run` keeps it,
// so it can be committed) whose process runs in a VS Code terminal. Arguments from other
// extensions and tests: { reference, command: string[], name, wait }; with `wait` the command
// resolves once the container ended, with its status.

import { familiarString, parseReference } from '../../core/reference/reference';
import { runContainer } from '../../core/runtime/runContainer';
import { boolArg, selectedImageNodes, stringArg, type CommandContext } from '../commands/command';
import { pickImages } from '../commands/prompts';
import { containerExit, openContainerTerminal } from './openContainerTerminal';

export interface RunImageResult {
  terminal: string;
  container?: { id: string; name: string };
  exitCode?: number;
}

export async function runImageInTerminal(ctx: CommandContext, interactive: boolean): Promise<RunImageResult | undefined> {
  const { services } = ctx;
  let reference = stringArg(ctx, 'reference');
  if (reference === undefined) {
    const nodes = selectedImageNodes(ctx);
    const node = nodes[0] ?? (await pickImages(services, { placeHolder: interactive ? 'Image to run interactively' : 'Image to run', canPickMany: false }))[0];
    if (!node) return undefined;
    reference = node.reference ?? node.record.id;
  }
  const store = await services.store.open();
  const image = await store.find(reference);
  const shown = image.refs[0] && image.refs.includes(reference) ? familiarString(parseReference(reference)) : image.refs[0] ? familiarString(parseReference(image.refs[0])) : reference;
  const command = Array.isArray(ctx.args.command) ? ctx.args.command.map(String) : undefined;
  const name = stringArg(ctx, 'name');
  let created: { id: string; name: string } | undefined;
  const opened = await openContainerTerminal(services, `${interactive ? 'Run Interactive' : 'Run'}: ${shown}`, {
    tty: interactive,
    interactive,
    start: async (io, signal) => {
      const { exitCode } = await runContainer(store, {
        image,
        imageName: shown,
        ...(command?.length ? { command } : {}),
        ...(name ? { name } : {}),
        tty: interactive,
        interactive,
        io,
        signal,
        hostEnv: process.env,
        onCreated: (c) => {
          created = { id: c.Id, name: c.Name };
          services.log.info(`container ${c.Name} (${c.Id}) made from ${shown}`);
          services.containersTree.refresh();
        },
      });
      return exitCode;
    },
  });
  if (!(boolArg(ctx, 'wait') ?? false)) return { terminal: opened.terminal.name };
  const exitCode = await containerExit(opened);
  return { terminal: opened.terminal.name, ...(created ? { container: created } : {}), exitCode };
}

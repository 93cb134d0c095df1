// Run and Run Interactive on an image: a new container (kept afterwards, as `docker run` keeps it,
// so it can be committed) whose process runs in a VS Code terminal. Arguments from other
// extensions and tests: { reference, command: string[], name, wait }; with `wait` the command
// resolves once the container ended, with its status.

import { familiarString, parseReference } from '../../core/reference/reference';
import { runContainer } from '../../core/runtime/runContainer';
import { boolArg, selectedImageNodes, stringArg, type CommandContext } from '../commands/command';
import { pickImages } from '../commands/prompts';
import { callCli } from './cliProcess';
import { containerCli } from './containerCli';
import { containerExit, openContainerTerminal } from './openContainerTerminal';

export interface RunImageResult {
  terminal: string;
  container?: { id: string; name: string };
  exitCode?: number;
  /** Where the container ran: this process, or the CLI in a child process (cliProcess.ts). */
  through: 'extension' | 'cli';
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
  const onCreated = (c: { id: string; name: string }): void => {
    created = c;
    services.log.info(`container ${c.name} (${c.id}) made from ${shown}`);
    services.containersTree.refresh();
  };
  const cli = await containerCli(services);
  const opened = await openContainerTerminal(services, `${interactive ? 'Run Interactive' : 'Run'}: ${shown}`, {
    tty: interactive,
    interactive,
    start: async (io, signal) => {
      if (cli) {
        // The image by the name shown when it has one (the container records it), else by its ID.
        const imageArg = image.refs.length ? shown : image.id;
        const args = ['run', ...(interactive ? ['-i', '-t'] : []), ...(name ? ['--name', name] : []), '--', imageArg, ...(command ?? [])];
        return (await callCli(cli, { args, io, signal, onContainer: onCreated })).status;
      }
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
        onCreated: (c) => onCreated({ id: c.Id, name: c.Name }),
      });
      return exitCode;
    },
  });
  const through = cli ? 'cli' : 'extension';
  if (!(boolArg(ctx, 'wait') ?? false)) return { terminal: opened.terminal.name, through };
  const exitCode = await containerExit(opened);
  return { terminal: opened.terminal.name, ...(created ? { container: created } : {}), exitCode, through };
}

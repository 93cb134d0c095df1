// Commit…: a stopped container's changes become a layer on its image (`commit -m -a`), asked for
// as name, message and author (or given as { container, reference, message, author }); the new
// image is revealed in the Images view.

import * as vscode from 'vscode';
import { shortId } from '../../core/shortId';
import { familiarString, parseReference } from '../../core/reference/reference';
import { commitContainer } from '../../core/runtime/containerChanges';
import { revealImage } from '../revealImage';
import { withCancellableProgress } from '../progressNotification';
import { selectedContainer } from '../containers/selectedContainer';
import { callCli } from '../containers/cliProcess';
import { containerCli } from '../containers/containerCli';
import { stringArg, type ExtensionCommand } from './command';
import { askNewImageName } from './prompts';

export const commitContainerCommand: ExtensionCommand = {
  id: 'stevedore.commitContainer',
  operation: 'Commit',
  async run(ctx) {
    const { services } = ctx;
    const container = await selectedContainer(ctx, 'Container to commit');
    if (!container) return undefined;
    const given = stringArg(ctx, 'reference') !== undefined;
    let reference = stringArg(ctx, 'reference');
    let message = stringArg(ctx, 'message');
    let author = stringArg(ctx, 'author');
    if (!given) {
      reference = await askNewImageName(`Commit ${container.Name}`, `${container.Name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-')}:latest`);
      if (reference === undefined) return undefined;
      message = await vscode.window.showInputBox({ title: `Commit ${container.Name}`, prompt: 'Commit message (the history comment, as commit -m); may be empty' });
      if (message === undefined) return undefined;
      author = await vscode.window.showInputBox({ title: `Commit ${container.Name}`, prompt: 'Author (as commit -a, e.g. "Jane Doe <jane@example.com>"); may be empty' });
      if (author === undefined) return undefined;
    }
    const name = reference?.trim() || undefined;
    const store = await services.store.open();
    const cli = await containerCli(services);
    const record = await withCancellableProgress(`Committing ${container.Name}`, async (progress): Promise<{ id: string; refs: string[] }> => {
      if (!cli) {
        return commitContainer(store, container, {
          ...(name ? { reference: name } : {}),
          ...(message ? { message } : {}),
          ...(author ? { author } : {}),
          signal: progress.signal,
        });
      }
      // Checked here, and after "--": a name that is not one must not reach the CLI as a flag (commit takes flags anywhere).
      if (name) parseReference(name);
      const args = ['commit', ...(message ? ['-m', message] : []), ...(author ? ['-a', author] : []), '--', container.Id, ...(name ? [name] : [])];
      return (await callCli(cli, { args, signal: progress.signal })).result as { id: string; refs: string[] };
    });
    services.log.info(`committed container ${container.Name} as ${record.id}${name ? ` (${name})` : ''}`);
    const revealed = await revealImage(services, record.id, !name);
    void vscode.window.showInformationMessage(`Committed ${container.Name} as ${name ? familiarString(parseReference(name)) : shortId(record.id)}.`);
    return { id: record.id, ...(name ? { reference: record.refs[0] } : {}), revealed, through: cli ? 'cli' : 'extension' };
  },
};

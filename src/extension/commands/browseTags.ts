// Browse Tags…: the tags of a repository in a quick pick, newest versions first, and the chosen one
// pulled. What a "manifest not found" error offers instead of telling the user to run
// `stevedore tags`.

import * as vscode from 'vscode';
import { listTags } from '../../core/registry/pagedLists';
import { parseReference } from '../../core/reference/reference';
import { StevedoreError } from '../../core/errors';
import { attachRegistry } from '../errorReporting';
import { sortTags } from '../views/tagOrder';
import { stringArg, type ExtensionCommand } from './command';

export const browseTagsCommand: ExtensionCommand = {
  id: 'stevedore.browseTags',
  operation: 'Browse tags',
  async run(ctx) {
    const { services } = ctx;
    const repository = stringArg(ctx, 'repository') ?? (await vscode.window.showInputBox({ title: 'Browse the tags of a repository', prompt: 'Repository, e.g. redis or localhost:5000/team/app' }));
    if (!repository?.trim()) return undefined;
    const ref = parseReference(repository.trim());
    let tags: string[];
    try {
      tags = sortTags(await listTags(services.registries.get().for(ref.domain), ref.path));
    } catch (err) {
      throw attachRegistry(err, ref.domain);
    }
    const name = `${ref.domain}/${ref.path}`;
    if (tags.length === 0) throw new StevedoreError('NAME_UNKNOWN', `${name} has no tags.`);
    // A program (or a test) that only wants the list says { pick: false }.
    if (ctx.args.pick === false) return tags;
    const picked = await vscode.window.showQuickPick(tags, { title: `Tags of ${name}`, placeHolder: 'Tag to pull' });
    if (!picked) return undefined;
    return vscode.commands.executeCommand('stevedore.pullImage', { reference: `${name}:${picked}`, choosePlatform: true });
  },
};

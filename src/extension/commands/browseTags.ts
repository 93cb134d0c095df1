// Browse Tags…: opens a repository in the Registries view — revealed, selected and expanded to its
// tags (highest version first), where each tag can be pulled, inspected or hovered for details.
// What a "manifest not found" error offers instead of telling the user to run `stevedore tags`. A
// registry the view does not list is added to it first, as Add Registry… adds one (a loopback
// registry without asking Secure or Insecure), so the repository has somewhere to be shown.
// A quick pick of the tags is left for when the view cannot reveal the repository.

import * as vscode from 'vscode';
import { listTags } from '../../core/registry/pagedLists';
import { parseReference } from '../../core/reference/reference';
import { StevedoreError } from '../../core/errors';
import { attachRegistry } from '../errorReporting';
import { addRegistry } from '../registries/addRegistry';
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
    const name = `${ref.domain}/${ref.path}`;
    // A program (or a test) that only wants the list says { pick: false }.
    if (ctx.args.pick !== false) {
      if (!services.registriesTree.registryNodes().some((n) => n.domain === ref.domain)) {
        if (!(await addRegistry(services, ref.domain))) return undefined;
      }
      const node = await services.registriesTree.repositoryNode(ref.domain, ref.path);
      if (node) {
        try {
          await vscode.commands.executeCommand('stevedore.registries.focus');
          await services.registriesView.reveal(node, { select: true, focus: true, expand: true });
          return { revealed: name };
        } catch (err) {
          services.log.warn(`could not reveal ${name} in the Registries view (${err instanceof Error ? err.message : String(err)}); listing its tags instead`);
        }
      }
    }
    let tags: string[];
    try {
      tags = sortTags(await listTags(services.registries.get().for(ref.domain), ref.path));
    } catch (err) {
      throw attachRegistry(err, ref.domain);
    }
    if (tags.length === 0) throw new StevedoreError('NAME_UNKNOWN', `${name} has no tags.`);
    if (ctx.args.pick === false) return tags;
    const picked = await vscode.window.showQuickPick(tags, { title: `Tags of ${name}`, placeHolder: 'Tag to pull' });
    if (!picked) return undefined;
    return vscode.commands.executeCommand('stevedore.pullImage', { reference: `${name}:${picked}`, choosePlatform: true });
  },
};

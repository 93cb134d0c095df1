// Search Docker Hub…: a term, then a quick pick of results with stars and the official badge; the
// chosen repository is pulled (with the platform choice for a multi-platform image).

import * as vscode from 'vscode';
import { searchDockerHub } from '../../core/registry/hubSearch';
import { StevedoreError } from '../../core/errors';
import { ExtensionError } from '../errorActions';
import { withCancellableProgress } from '../progressNotification';
import { stringArg, type ExtensionCommand } from './command';

const SEARCH_SETTING = 'stevedore.dockerHub.searchEndpoint';

export const searchDockerHubCommand: ExtensionCommand = {
  id: 'stevedore.searchDockerHub',
  operation: 'Search Docker Hub',
  async run(ctx) {
    const { services } = ctx;
    const term = stringArg(ctx, 'term') ?? (await vscode.window.showInputBox({ title: 'Search Docker Hub', prompt: 'Search term, e.g. redis or postgres', validateInput: (v) => (v.trim() ? undefined : 'Type something to search for') }));
    if (!term?.trim()) return undefined;
    // The setting first; the CLI's environment variable still works for a VS Code started from a shell.
    const endpoint = services.settings().dockerHubSearchEndpoint || process.env.STEVEDORE_SEARCH_ENDPOINT;
    let results;
    try {
      results = await withCancellableProgress(`Searching Docker Hub for "${term.trim()}"`, (progress) =>
        searchDockerHub({ ...services.registries.options(), ...(endpoint ? { searchEndpoint: endpoint } : {}) }, { term: term.trim(), limit: 50, signal: progress.signal }),
      );
    } catch (err) {
      if (err instanceof StevedoreError && (err.code === 'NETWORK_ERROR' || err.code === 'REGISTRY_ERROR')) {
        const first = err.message.replace(/ Check the network, or set another search endpoint\.$/, '');
        throw new ExtensionError(err.code, `${first} Check the network, or set "Stevedore › Docker Hub: Search Endpoint" (${SEARCH_SETTING}) to a search service you can reach.`, [
          { title: 'Open Setting', command: 'workbench.action.openSettings', args: [SEARCH_SETTING] },
        ]);
      }
      throw err;
    }
    services.log.info(`search "${term.trim()}": ${results.length} results`);
    // A program that only wants the results says { pull: false }.
    if (ctx.args.pull === false) return results;
    if (results.length === 0) {
      void vscode.window.showInformationMessage(`Docker Hub has no repositories matching "${term.trim()}".`);
      return [];
    }
    const items = results.map((r) => ({
      label: r.name,
      description: `$(star-full) ${r.star_count}${r.is_official ? '  $(verified-filled) Official' : ''}`,
      detail: r.description || undefined,
      name: r.name,
    }));
    const picked = stringArg(ctx, 'pick') ? items.find((i) => i.name === stringArg(ctx, 'pick')) : await vscode.window.showQuickPick(items, { title: `Docker Hub: ${results.length} results for "${term.trim()}"`, placeHolder: 'Repository to pull', matchOnDetail: true });
    if (!picked) return undefined;
    return vscode.commands.executeCommand('stevedore.pullImage', { reference: picked.name, choosePlatform: true });
  },
};

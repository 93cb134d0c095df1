// Prune Build Cache: removes the build cache's dangling entries (or all of them, asked with
// `{ all: true }`) and the layers only they kept, as `stevedore builder prune` does.

import * as vscode from 'vscode';
import { pruneBuildCache } from '../../core/dockerfile/pruneBuildCache';
import { humanSize } from '../../core/format/humanSize';
import { boolArg, type ExtensionCommand } from './command';
import { confirm } from './prompts';
import { callCli } from '../containers/cliProcess';
import { containerCli } from '../containers/containerCli';
import type { BuildCachePruneResult } from '../../core/dockerfile/pruneBuildCache';

export const pruneBuildCacheCommand: ExtensionCommand = {
  id: 'stevedore.pruneBuildCache',
  operation: 'Prune build cache',
  async run(ctx) {
    const { services } = ctx;
    const all = boolArg(ctx, 'all') ?? false;
    if (!(boolArg(ctx, 'skipConfirmation') ?? false) && services.settings().confirmPrune) {
      const answer = await confirm(
        all ? 'Remove the whole build cache?' : 'Remove the dangling build cache?',
        'Later builds run these steps again instead of reusing their layers. Layers that images hold stay.',
        'Prune',
      );
      if (answer !== 'Prune') return undefined;
    }
    const store = await services.store.open();
    // Its garbage collection removes layer snapshots, which rootless builds made owned by subordinate ids.
    const cli = await containerCli(services);
    const result = cli ? ((await callCli(cli, { args: ['builder', 'prune', '-f', ...(all ? ['-a'] : [])] })).result as BuildCachePruneResult) : await pruneBuildCache(store, { all });
    for (const key of result.deleted) services.log.info(`Deleted build cache entry: ${key}`);
    void vscode.window.showInformationMessage(`Pruned ${result.deleted.length} build cache entr${result.deleted.length === 1 ? 'y' : 'ies'}, ${humanSize(result.reclaimedBytes)} reclaimed.`);
    return { deleted: result.deleted.length, reclaimedBytes: result.reclaimedBytes, through: cli ? 'cli' : 'extension' };
  },
};

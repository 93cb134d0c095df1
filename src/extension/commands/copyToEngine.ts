// Copy to Engine…: the selected images into an engine chosen from a list (Docker, Podman and the
// engines added in stevedore.engines.endpoints), or the one named by the `target` argument, which
// is what dropping images onto an engine's row passes.

import * as vscode from 'vscode';
import { StevedoreError } from '../../core/errors';
import { copyToSource } from '../engines/copyToSource';
import { engineSource, visibleSources, type EngineSource } from '../engines/imageSources';
import { stringArg, type ExtensionCommand } from './command';

export const copyToEngineCommand: ExtensionCommand = {
  id: 'stevedore.copyToEngine',
  operation: 'Copy to engine',
  async run(ctx) {
    const settings = ctx.services.settings();
    const named = stringArg(ctx, 'target');
    let target: EngineSource | undefined;
    if (named) {
      target = engineSource(settings, named);
      if (!target) throw new StevedoreError('INVALID_ARGUMENT', `There is no engine "${named}": Docker, Podman, or a name from the setting stevedore.engines.endpoints.`);
    } else {
      const engines = visibleSources(settings).filter((s): s is EngineSource => s.kind !== 'store');
      const picked = await vscode.window.showQuickPick(
        engines.map((e) => ({ label: e.label, description: e.endpoint ? (e.endpoint.host ?? `context ${e.endpoint.context}`) : undefined, engine: e })),
        { placeHolder: 'Engine to copy the images to' },
      );
      target = picked?.engine;
    }
    return target ? copyToSource(ctx, target) : undefined;
  },
};

// Add Registry…: a registry to browse in the Registries view (setting stevedore.registries), with
// "insecure" for one served over plain HTTP or with a self-signed certificate.

import * as vscode from 'vscode';
import { isLoopbackHost, registryHost } from '../../core/registry/registryHost';
import { StevedoreError } from '../../core/errors';
import { readSettings, updateSetting } from '../settings';
import { boolArg, stringArg, type ExtensionCommand } from './command';
import { validateRegistry } from './registryPick';

export const addRegistryCommand: ExtensionCommand = {
  id: 'stevedore.registries.add',
  operation: 'Add registry',
  async run(ctx) {
    const url = stringArg(ctx, 'url') ?? (await vscode.window.showInputBox({ title: 'Add a registry', prompt: 'Registry host, e.g. ghcr.io, registry.example.com or localhost:5000', validateInput: validateRegistry }));
    if (url === undefined) return undefined;
    const problem = validateRegistry(url);
    if (problem) throw new StevedoreError('INVALID_ARGUMENT', problem);
    let insecure = boolArg(ctx, 'insecure');
    // Loopback may use plain HTTP anyway (as in Docker and the CLI): nothing to ask.
    if (insecure === undefined && isLoopbackHost(registryHost(url).domain)) insecure = false;
    if (insecure === undefined) {
      const picked = await vscode.window.showQuickPick(
        [
          { label: 'Secure', description: 'HTTPS with a verified certificate', insecure: false },
          { label: 'Insecure', description: 'plain HTTP or a self-signed certificate', insecure: true },
        ],
        { placeHolder: `How is ${url.trim()} served?` },
      );
      if (!picked) return undefined;
      insecure = picked.insecure;
    }
    const domain = registryHost(url).domain;
    const current = readSettings().registries.filter((r) => registryHost(r.url).domain !== domain);
    await updateSetting('registries', [...current, { url: domain, ...(insecure ? { insecure: true } : {}) }]);
    ctx.services.registries.reset();
    ctx.services.registriesTree.refresh();
    return domain;
  },
};

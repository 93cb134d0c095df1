// Add Registry…: a registry to browse in the Registries view (setting stevedore.registries), with
// "insecure" for one served over plain HTTP or with a self-signed certificate.

import * as vscode from 'vscode';
import { StevedoreError } from '../../core/errors';
import { addRegistry } from '../registries/addRegistry';
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
    return addRegistry(ctx.services, url, boolArg(ctx, 'insecure'));
  },
};

// Log Out: forgets the login VS Code keeps for a registry. Docker's own logins (config.json,
// credential helpers) are Docker's to remove, which the message says when one is still there.

import * as vscode from 'vscode';
import { dockerCredentials } from '../../core/registry/credentials';
import type { ExtensionCommand } from './command';
import { registryOf } from './registryPick';

export const logOutCommand: ExtensionCommand = {
  id: 'stevedore.registries.logout',
  operation: 'Log out',
  async run(ctx) {
    const { services } = ctx;
    const loggedIn = services.registries.secrets.loggedIn();
    const registry = await registryOf(ctx, 'Registry to log out of', loggedIn.length ? loggedIn : undefined);
    if (!registry) return undefined;
    const had = await services.registries.secrets.delete(registry);
    services.registries.reset();
    services.registriesTree.refresh();
    const docker = services.settings().useDockerCredentials ? await dockerCredentials(process.env)(registry).catch(() => undefined) : undefined;
    const dockerNote = docker ? ` Docker's login for ${registry} is still used; remove it with "docker logout ${registry}" or turn off stevedore.useDockerCredentials.` : '';
    services.log.info(`${had ? 'logged out of' : 'no login stored for'} ${registry}`);
    void vscode.window.showInformationMessage(`${had ? `Logged out of ${registry}.` : `VS Code had no login for ${registry}.`}${dockerNote}`);
    return { registry, removed: had };
  },
};

// Log In…: checks a user name and password (or token) against the registry and keeps them in
// VS Code's SecretStorage. The password is never logged or shown.

import * as vscode from 'vscode';
import type { RegistryCredential } from '../../core/registry/credentials';
import { RegistryClient } from '../../core/registry/registryClient';
import { attachRegistry } from '../errorReporting';
import { withCancellableProgress } from '../progressNotification';
import { stringArg, type ExtensionCommand } from './command';
import { registryOf } from './registryPick';

export const logInCommand: ExtensionCommand = {
  id: 'stevedore.registries.login',
  operation: 'Log in',
  async run(ctx) {
    const { services } = ctx;
    const registry = await registryOf(ctx, 'Registry to log in to');
    if (!registry) return undefined;
    const previous = await services.registries.secrets.get(registry);
    const username = stringArg(ctx, 'username') ?? (await vscode.window.showInputBox({ title: `Log in to ${registry}`, prompt: 'User name', value: previous?.username ?? '', ignoreFocusOut: true }));
    if (username === undefined) return undefined;
    const password = stringArg(ctx, 'password') ?? (await vscode.window.showInputBox({ title: `Log in to ${registry} as ${username}`, prompt: 'Password or access token', password: true, ignoreFocusOut: true }));
    if (password === undefined) return undefined;
    const credential: RegistryCredential = { username: username.trim(), password };
    const client = new RegistryClient(registry, { ...services.registries.options(), credentials: async () => credential });
    try {
      const verified = await withCancellableProgress(`Logging in to ${registry}`, (progress) => client.verifyCredential(credential, progress.signal));
      // Like Docker: a refresh token the token service issued replaces the password.
      await services.registries.secrets.store(registry, verified.identityToken ? { username: credential.username!, identityToken: verified.identityToken } : credential);
    } catch (err) {
      throw attachRegistry(err, registry);
    } finally {
      await client.close();
    }
    services.registries.reset();
    services.registriesTree.refresh();
    services.log.info(`logged in to ${registry} as ${credential.username}`);
    void vscode.window.showInformationMessage(`Logged in to ${registry} as ${credential.username}.`);
    return { registry, username: credential.username };
  },
};

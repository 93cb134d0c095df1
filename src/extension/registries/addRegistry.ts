// Adds a registry to the Registries view (setting stevedore.registries): what Add Registry… does,
// and what Browse Tags… does first for a repository whose registry the view does not list yet.
// Loopback registries may use plain HTTP anyway (as in Docker and the CLI), so only other hosts
// are asked whether they are served securely.

import * as vscode from 'vscode';
import { isLoopbackHost, registryHost } from '../../core/registry/registryHost';
import type { Services } from '../services';
import { readSettings, updateSetting } from '../settings';

/** The registry's host as the view lists it; undefined when the user dismissed the question. */
export async function addRegistry(services: Services, url: string, insecure?: boolean): Promise<string | undefined> {
  const domain = registryHost(url).domain;
  if (insecure === undefined && isLoopbackHost(domain)) insecure = false;
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
  const current = readSettings().registries.filter((r) => registryHost(r.url).domain !== domain);
  await updateSetting('registries', [...current, { url: domain, ...(insecure ? { insecure: true } : {}) }]);
  services.registries.reset();
  services.registriesTree.refresh();
  return domain;
}

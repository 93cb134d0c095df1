// Remove Registry: takes a registry the user added off the Registries view (its login stays until
// Log Out).

import { registryHost } from '../../core/registry/registryHost';
import { readSettings, updateSetting } from '../settings';
import type { ExtensionCommand } from './command';
import { registryOf } from './registryPick';

export const removeRegistryCommand: ExtensionCommand = {
  id: 'stevedore.registries.remove',
  operation: 'Remove registry',
  async run(ctx) {
    const configured = readSettings().registries.map((r) => registryHost(r.url).domain);
    const domain = await registryOf(ctx, 'Registry to remove from the view', configured);
    if (!domain) return undefined;
    await updateSetting('registries', readSettings().registries.filter((r) => registryHost(r.url).domain !== domain));
    ctx.services.registries.reset();
    ctx.services.registriesTree.refresh();
    return domain;
  },
};

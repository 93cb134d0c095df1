// `stevedore logout [SERVER]` — forgets a login, from the credential helper and config.json.

import { logoutRegistry } from '../../core/registry/login';
import type { Command } from '../command';
import { writeLine } from '../context';

export const logoutCommand: Command = {
  usage: 'stevedore logout [SERVER]',
  maxArgs: 1,
  flags: [],
  async run(ctx, args) {
    const { server, removed } = await logoutRegistry(ctx.env, args[0]);
    writeLine(ctx.stdout, removed ? `Removing login credentials for ${server}` : `Not logged in to ${server}`);
    return 0;
  },
};

// `stevedore tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]`

import { tagImage } from '../../core/store/tagImage';
import type { Command } from '../command';

export const tagCommand: Command = {
  usage: 'stevedore tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]',
  minArgs: 2,
  maxArgs: 2,
  flags: [],
  async run(ctx, args) {
    const store = await ctx.openStore();
    await tagImage(store, args[0]!, args[1]!, ctx.signal);
    return 0;
  },
};

// `stevedore tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]`

import { tagImage } from '../../core/store/tagImage';
import { stringFlag, type Command } from '../command';
import { engineTag } from '../engineImageCommands';
import { ENGINE_FLAG, ENGINE_HOST_FLAGS } from '../engineSettings';

export const tagCommand: Command = {
  usage: 'stevedore tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]',
  minArgs: 2,
  maxArgs: 2,
  flags: [ENGINE_FLAG, ...ENGINE_HOST_FLAGS],
  async run(ctx, args, flags) {
    const engine = stringFlag(flags, ENGINE_FLAG.name);
    if (engine) return engineTag(ctx, engine, args[0]!, args[1]!, flags);
    const store = await ctx.openStore();
    await tagImage(store, args[0]!, args[1]!, ctx.signal);
    return 0;
  },
};

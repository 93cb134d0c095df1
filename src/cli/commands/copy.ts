// `stevedore copy SOURCE DESTINATION` — moves an image between the store, Docker, Podman and archive
// files, in skopeo's transport syntax (see core/copy/imageLocation.ts).

import { copyImage } from '../../core/copy/copyImage';
import { describeLocation, parseImageLocation } from '../../core/copy/imageLocation';
import { shortId } from '../../core/shortId';
import { humanSize } from '../../core/format/humanSize';
import { type Command } from '../command';
import { writeLine } from '../context';
import { ENGINE_HOST_FLAGS, withEngines } from '../engineSettings';

export const copyCommand: Command = {
  usage: 'stevedore copy [OPTIONS] SOURCE DESTINATION',
  minArgs: 2,
  maxArgs: 2,
  flags: [...ENGINE_HOST_FLAGS],
  async run(ctx, args, flags) {
    const source = parseImageLocation(args[0]!);
    const destination = parseImageLocation(args[1]!);
    const result = await withEngines(ctx, flags, (engines) =>
      copyImage(source, destination, {
        openStore: () => ctx.openStore(),
        engine: (kind) => engines.get(kind),
        signal: ctx.signal,
      }),
    );
    const id = result.id ? ` (${shortId(result.id)})` : '';
    if (result.alreadyPresent) {
      writeLine(ctx.stdout, `${describeLocation(destination)} already has the image${id}; named it ${result.names.join(', ')}, nothing copied.`);
    } else {
      writeLine(ctx.stdout, `Copied ${args[0]} to ${args[1]}${id}, ${humanSize(result.bytes)}.`);
    }
    return 0;
  },
};

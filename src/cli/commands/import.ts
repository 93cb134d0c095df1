// `stevedore import FILE|URL|- [REPOSITORY[:TAG]]` — a root filesystem tarball becomes an image.

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { StevedoreError } from '../../core/errors';
import { importRootfs } from '../../core/image/importRootfs';
import { parsePlatform } from '../../core/image/platform';
import { openUrl } from '../../core/image/urlSource';
import { urlAccessFromEnv } from '../../core/image/urlSource';
import { listFlag, stringFlag, type Command } from '../command';
import { writeLine, type CliContext } from '../context';

export const importCommand: Command = {
  usage: 'stevedore import [OPTIONS] file|URL|- [REPOSITORY[:TAG]]',
  minArgs: 1,
  maxArgs: 2,
  flags: [
    { name: 'change', short: 'c', kind: 'list', valueName: 'list', description: 'Apply Dockerfile instruction to the created image' },
    { name: 'message', short: 'm', kind: 'string', valueName: 'string', description: 'Set commit message for imported image' },
    { name: 'platform', kind: 'string', valueName: 'string', description: 'Set platform if server is multi-platform capable' },
  ],
  async run(ctx, args, flags) {
    const [sourceName, reference] = args as [string, string | undefined];
    const platformText = stringFlag(flags, 'platform');
    const platform = platformText ? parsePlatform(platformText) : undefined;
    const source = await openSource(ctx, sourceName);
    const store = await ctx.openStore();
    const record = await importRootfs(store, {
      source,
      sourceName,
      ...(reference ? { reference } : {}),
      changes: listFlag(flags, 'change'),
      ...(stringFlag(flags, 'message') ? { message: stringFlag(flags, 'message')! } : {}),
      ...(platform ? { platform } : {}),
      signal: ctx.signal,
    });
    writeLine(ctx.stdout, record.id);
    return 0;
  },
};

async function openSource(ctx: CliContext, name: string): Promise<AsyncIterable<Uint8Array>> {
  if (name === '-') return ctx.stdin;
  if (/^https?:\/\//i.test(name)) return openUrl(name, ctx.signal, urlAccessFromEnv(ctx.env));
  const info = await stat(name).catch(() => null);
  if (!info) throw new StevedoreError('INVALID_ARGUMENT', `open ${name}: no such file or directory. Give a tarball path, a URL, or - for standard input.`);
  if (info.isDirectory()) throw new StevedoreError('INVALID_ARGUMENT', `${name} is a directory. Give a tarball, or use "stevedore commit" to add a folder as a layer.`);
  return createReadStream(name);
}

// `stevedore commit [OPTIONS] CONTAINER [REPOSITORY[:TAG]]` — `docker commit`: a container's changes
// become a layer on its image. Also `commit [OPTIONS] IMAGE FOLDER|TARBALL|- [REPOSITORY[:TAG]]`
// (alias `append`): a folder or tarball becomes a new layer on top of IMAGE. A first argument that
// names a container means the first form, as it would for Docker.

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { appendLayer, type LayerSource } from '../../core/archive/appendLayer';
import { StevedoreError } from '../../core/errors';
import { commitContainer } from '../../core/runtime/containerChanges';
import { findContainer } from '../../core/runtime/containerRecord';
import { listFlag, stringFlag, type Command } from '../command';
import { writeLine, type CliContext } from '../context';
import { machineChannel } from '../machineChannel';

export const commitCommand: Command = {
  usage: 'stevedore commit [OPTIONS] CONTAINER [REPOSITORY[:TAG]]\n        stevedore commit [OPTIONS] IMAGE FOLDER|TARBALL|- [REPOSITORY[:TAG]]',
  minArgs: 1,
  maxArgs: 3,
  flags: [
    { name: 'author', short: 'a', kind: 'string', valueName: 'string', description: 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")' },
    { name: 'change', short: 'c', kind: 'list', valueName: 'list', description: 'Apply Dockerfile instruction to the created image' },
    { name: 'message', short: 'm', kind: 'string', valueName: 'string', description: 'Commit message' },
  ],
  async run(ctx, args, flags) {
    // The store is opened outside the lookup's catch, so that a store that cannot be opened is
    // reported as such rather than as a missing container.
    const container = args.length <= 2 ? await findContainer((await ctx.openStore()).layout, args[0]!).catch(() => undefined) : undefined;
    const author = stringFlag(flags, 'author');
    const message = stringFlag(flags, 'message');
    // What both forms record in the history and config: -a, -m and -c, as docker commit does.
    const history = { ...(author ? { author } : {}), ...(message ? { message } : {}), changes: listFlag(flags, 'change'), signal: ctx.signal };
    if (container) {
      const record = await commitContainer(await ctx.openStore(), container, { ...(args[1] ? { reference: args[1] } : {}), ...history });
      machineChannel(ctx.env)?.({ result: { id: record.id, refs: record.refs } });
      writeLine(ctx.stdout, record.id);
      return 0;
    }
    if (args.length < 2) throw new StevedoreError('CONTAINER_NOT_FOUND', `No such container: ${args[0]!}. To add a folder or tarball to an image, give the image and the folder.`);
    const [base, sourceName, reference] = args as [string, string, string | undefined];
    // `commit NAME REPO:TAG` with a NAME that is neither a container nor an image is Docker's
    // form with a mistyped container, not a folder that is missing: say so, as docker commit does.
    if (args.length === 2 && sourceName !== '-' && !(await stat(sourceName).catch(() => null))) {
      const image = await (await ctx.openStore()).find(base).then(() => true, () => false);
      if (!image) throw new StevedoreError('CONTAINER_NOT_FOUND', `No such container: ${base}. "stevedore ps -a" lists the containers.`);
    }
    const source = await openSource(ctx, sourceName);
    // A stalled pipe would keep the process waiting after Ctrl-C; closing the input ends that wait.
    if (source.kind === 'tarball') ctx.signal.addEventListener('abort', () => source.bytes.destroy(), { once: true });
    const record = await appendLayer(await ctx.openStore(), { base, source, ...(reference ? { reference } : {}), ...history });
    writeLine(ctx.stdout, record.id);
    return 0;
  },
};

async function openSource(ctx: CliContext, name: string): Promise<Exclude<LayerSource, { kind: 'tarball' }> | { kind: 'tarball'; name: string; bytes: Readable }> {
  if (name === '-') {
    if (ctx.stdin.isTTY) throw new StevedoreError('INVALID_ARGUMENT', 'requested a layer from stdin, but stdin is a terminal. Pipe a tarball in, or give a folder or a file.');
    return { kind: 'tarball', name, bytes: ctx.stdin };
  }
  const info = await stat(name).catch(() => null);
  if (!info) throw new StevedoreError('INVALID_ARGUMENT', `open ${name}: no such file or directory. Give a folder, a tarball, or - for standard input.`);
  if (info.isDirectory()) return { kind: 'folder', path: name };
  return { kind: 'tarball', name, bytes: createReadStream(name, { highWaterMark: 1024 * 1024 }) };
}

// `stevedore load [-i FILE] [-q]` — loads images from a tar archive (docker save, podman save,
// skopeo, OCI layout tars, stevedore save; plain or gzip-compressed), from standard input by default.

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { ArchiveStream } from '../../core/sources/archiveSource';
import { copy } from '../../core/sources/copy';
import { StoreSource } from '../../core/sources/storeSource';
import { StevedoreError } from '../../core/errors';
import { familiarString, parseReference } from '../../core/reference/reference';
import { layerShortId } from '../../core/transfer/layerShortId';
import type { TransferListener } from '../../core/transfer/transferEvent';
import { boolFlag, stringFlag, type Command } from '../command';
import { writeLine, type CliContext } from '../context';
import { ProgressLines } from '../progressLines';

const READ_CHUNK = 1024 * 1024;

export const loadCommand: Command = {
  usage: 'stevedore load [OPTIONS]',
  maxArgs: 0,
  flags: [
    { name: 'input', short: 'i', kind: 'string', valueName: 'string', description: 'Read from tar archive file, instead of STDIN' },
    { name: 'quiet', short: 'q', kind: 'bool', description: 'Suppress the load output' },
  ],
  async run(ctx, _args, flags) {
    const input = stringFlag(flags, 'input');
    // Docker's client asks for progress only when its output is a terminal (whatever stdin is):
    // `docker load < file > log` and `cat file | docker load | cat` print just "Loaded image: …".
    const quiet = boolFlag(flags, 'quiet') || !ctx.stdout.isTTY;
    const source = await openArchive(ctx, input);
    // A stalled pipe would keep the process waiting after Ctrl-C; closing the input ends that wait.
    ctx.signal.addEventListener('abort', () => source.destroy(), { once: true });
    const store = await ctx.openStore();
    // A copy of the archive stream into the store, which is the store's load (one pass, every image it holds).
    const copied = await copy(new ArchiveStream(source, input ?? '-'), undefined, new StoreSource(store), [], {
      signal: ctx.signal,
      ...(quiet ? {} : { onEvent: layerProgress(ctx) }),
    });
    const result = copied.loaded!;
    for (const { ref, previousId } of result.moved) {
      writeLine(ctx.stdout, `The image ${familiarString(parseReference(ref))} already exists, renaming the old one with ID ${previousId} to empty string`);
    }
    for (const image of result.images) {
      if (image.refs.length === 0) writeLine(ctx.stdout, `Loaded image ID: ${image.id}`);
      for (const ref of image.refs) writeLine(ctx.stdout, `Loaded image: ${familiarString(parseReference(ref))}`);
    }
    return 0;
  },
};

async function openArchive(ctx: CliContext, input: string | undefined): Promise<Readable> {
  if (input === undefined || input === '-') {
    // Docker's wording: with nothing piped in, a terminal would wait forever for an archive.
    if (ctx.stdin.isTTY) throw new StevedoreError('INVALID_ARGUMENT', 'requested load from stdin, but stdin is empty');
    return ctx.stdin;
  }
  const info = await stat(input).catch(() => null);
  if (!info) throw new StevedoreError('INVALID_ARGUMENT', `open ${input}: no such file or directory`);
  if (info.isDirectory()) throw new StevedoreError('INVALID_ARGUMENT', `${input} is a directory. Give an image archive (.tar or .tar.gz), for example one made by "stevedore save".`);
  return createReadStream(input, { highWaterMark: READ_CHUNK });
}

/** Docker's "Loading layer" bars, one per layer, redrawn in place on the terminal. */
function layerProgress(ctx: CliContext): TransferListener {
  const lines = new ProgressLines(ctx.stdout);
  return (e) => {
    if (e.kind === 'layer') lines.update(layerShortId(e.id), 'Loading layer', { current: e.current, total: e.total });
  };
}

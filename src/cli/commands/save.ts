// `stevedore save [-o FILE] IMAGE [IMAGE...]` — one archive for several images, in the dual format
// (Docker's manifest.json + an OCI layout) that docker load, podman load and skopeo all read: a
// copy of the images from the store into the archive (core/sources/copyImages.ts).

import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { selectImagesToSave } from '../../core/archive/saveSelection';
import { StevedoreError } from '../../core/errors';
import { ArchiveOutput, ArchiveSource } from '../../core/sources/archiveSource';
import { copyImages } from '../../core/sources/copyImages';
import { StoreSource } from '../../core/sources/storeSource';
import { signaturesNotArchived, signedImageNames } from '../../core/trust/archiveSignatures';
import { boolFlag, stringFlag, type Command } from '../command';

export const saveCommand: Command = {
  usage: 'stevedore save [OPTIONS] IMAGE [IMAGE...]',
  minArgs: 1,
  flags: [
    { name: 'output', short: 'o', kind: 'string', valueName: 'string', description: 'Write to a file, instead of STDOUT' },
    { name: 'uncompressed', kind: 'bool', description: 'Write layers as plain tars, as classic docker save does (default: as stored, gzip stays gzip)' },
  ],
  async run(ctx, args, flags) {
    const output = stringFlag(flags, 'output');
    if (output === undefined || output === '-') {
      if (ctx.stdout.isTTY) throw new StevedoreError('INVALID_ARGUMENT', 'cowardly refusing to save to a terminal. Use the -o flag or redirect');
    } else {
      const dir = dirname(output);
      const info = await stat(dir).catch(() => null);
      if (!info?.isDirectory()) throw new StevedoreError('INVALID_ARGUMENT', `failed to save image: invalid output path: directory "${dir}" does not exist`);
    }
    const store = await ctx.openStore();
    const targets = selectImagesToSave(await store.list(), args);
    const uncompressed = boolFlag(flags, 'uncompressed');
    const signed = await signedImageNames(store.layout, targets.map((t) => t.record));
    if (signed.length) ctx.stderr.write(`WARNING: ${signaturesNotArchived(signed)}\n`);
    // A copy of every image from the store into one archive: a file that appears only once complete, or standard output.
    const writing = uncompressed ? { uncompressed } : {};
    const archive = output === undefined || output === '-' ? new ArchiveOutput(ctx.stdout, 'standard output', writing) : new ArchiveSource('docker-archive', output, store.root, writing);
    await copyImages(new StoreSource(store), targets.map((t) => ({ ref: t.record.manifestDigest, refs: t.refs })), archive, { signal: ctx.signal, operation: 'save' });
    return 0;
  },
};

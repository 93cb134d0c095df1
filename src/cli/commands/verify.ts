// `stevedore verify IMAGE` — recompute every digest of an image from the bytes in the store (the
// manifest's, the config's, each layer's compressed digest and diffID) and compare each with what
// the manifest and config say. Exit status 1 when any differs or is missing.

import { humanSize } from '../../core/format/humanSize';
import { tabwrite } from '../../core/format/tabwriter';
import { verifyImage, type DigestCheck } from '../../core/layers/verifyImage';
import { boolFlag, type Command } from '../command';
import { writeLine } from '../context';
import { bytesOf, progressLine } from '../layerProgress';

export const verifyCommand: Command = {
  usage: 'stevedore verify [OPTIONS] IMAGE',
  minArgs: 1,
  maxArgs: 1,
  flags: [{ name: 'json', kind: 'bool', description: 'Print the result as JSON' }],
  async run(ctx, args, flags) {
    const store = await ctx.openStore();
    const record = await store.find(args[0]!);
    const image = await store.load(record);
    const progress = progressLine(ctx);
    let result;
    try {
      result = await verifyImage(store, image, {
        signal: ctx.signal,
        onProgress: (p) => {
          const what = p.subject === 'layer' ? `layer ${p.layer! + 1}/${p.layers}` : p.subject;
          progress.show(`Verifying ${what} ${bytesOf(p.doneBytes, p.allBytes)}`);
        },
      });
    } finally {
      progress.clear();
    }
    if (boolFlag(flags, 'json')) {
      writeLine(ctx.stdout, JSON.stringify(result, null, 2));
      return result.ok ? 0 : 1;
    }
    const lines = ['CHECKED\tDIGEST\tRESULT', ...result.checks.map((c) => `${label(c)}\t${c.expected ?? '<none>'}\t${verdict(c)}`)];
    ctx.stdout.write(tabwrite(lines));
    const bad = result.checks.filter((c) => c.status !== 'match');
    if (bad.length === 0) {
      writeLine(ctx.stdout, `All ${result.checks.length} digests match (${humanSize(result.bytesRead)} read).`);
      return 0;
    }
    for (const c of bad) writeLine(ctx.stderr, `Error: ${c.message ?? `${label(c)} does not match.`}`);
    return 1;
  },
};

function label(check: DigestCheck): string {
  switch (check.subject) {
    case 'manifest':
      return 'manifest';
    case 'config':
      return 'config (image ID)';
    case 'layer':
      return `layer ${check.layer} (compressed)`;
    case 'diffId':
      return `layer ${check.layer} (diffID)`;
  }
}

function verdict(check: DigestCheck): string {
  switch (check.status) {
    case 'match':
      return 'ok';
    case 'mismatch':
      return check.actual ? `MISMATCH: found ${check.actual}` : 'MISMATCH';
    case 'missing':
      return 'MISSING';
    case 'unreadable':
      return 'UNREADABLE';
    case 'unsupported':
      return 'NOT CHECKED (compression not supported)';
  }
}

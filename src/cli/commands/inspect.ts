// `stevedore inspect IMAGE [IMAGE...]` — a JSON array shaped like `docker image inspect`.

import { renderTemplate } from '../format/goTemplate';
import { withContentSizes } from '../../core/image/contentSizes';
import { inspectJson } from '../../core/image/inspectImage';
import { findImage } from '../../core/store/imageStore';
import { StevedoreError } from '../../core/errors';
import { stringFlag, type Command } from '../command';
import { writeLine, type CliContext } from '../context';
import { engineInspect } from '../engineImageCommands';
import { ENGINE_FLAG, ENGINE_HOST_FLAGS } from '../engineSettings';

export const inspectCommand: Command = {
  usage: 'stevedore inspect [OPTIONS] IMAGE [IMAGE...]',
  minArgs: 1,
  flags: [{ name: 'format', short: 'f', kind: 'string', valueName: 'string', description: 'Format output using a custom Go template, or "json"' }, ENGINE_FLAG, ...ENGINE_HOST_FLAGS],
  async run(ctx, args, flags) {
    const engine = stringFlag(flags, ENGINE_FLAG.name);
    const { results, errors } = engine ? await engineInspect(ctx, engine, args, flags) : await inspectStore(ctx, args);
    const format = stringFlag(flags, 'format');
    if (format && format !== 'json') {
      // Inspect data is JSON-shaped (maps in Go), so a missing key prints <no value>, as in Docker.
      for (const r of results) {
        try {
          writeLine(ctx.stdout, renderTemplate(format, r, { plainObjects: 'map' }));
        } catch (err) {
          if (err instanceof StevedoreError) throw new StevedoreError(err.code, `template parsing error: ${err.message}`);
          throw err;
        }
      }
    } else {
      // Docker prints [] followed by the errors when nothing matched.
      writeLine(ctx.stdout, JSON.stringify(results, null, 4));
    }
    for (const e of errors) writeLine(ctx.stderr, `Error: ${e}`);
    return errors.length ? 1 : 0;
  },
};

async function inspectStore(ctx: CliContext, names: readonly string[]): Promise<{ results: Record<string, unknown>[]; errors: string[] }> {
  const store = await ctx.openStore();
  const records = await store.list();
  const results: Record<string, unknown>[] = [];
  const errors: string[] = [];
  for (const name of names) {
    try {
      const [record] = await withContentSizes(store, [findImage(records, name)], { signal: ctx.signal });
      results.push(inspectJson(record!, await store.load(record!), { storeRoot: store.root }));
    } catch (err) {
      if (!(err instanceof StevedoreError)) throw err;
      errors.push(err.message);
    }
  }
  return { results, errors };
}

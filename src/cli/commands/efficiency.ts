// `stevedore efficiency IMAGE [--min 0.9]` — dive's efficiency score and the space wasted by
// files that later layers overwrite or delete; a CI gate that exits 1 below the threshold, as
// dive's `lowest-efficiency` rule does (its default is 0.9).

import { humanSize } from '../../core/format/humanSize';
import { tabwrite } from '../format/tabwriter';
import { UsageError } from '../args';
import { boolFlag, intFlag, stringFlag, type Command } from '../command';
import { writeLine } from '../context';
import { analyseForCli, percent } from './layers';

export const efficiencyCommand: Command = {
  usage: 'stevedore efficiency [OPTIONS] IMAGE',
  minArgs: 1,
  maxArgs: 1,
  flags: [
    { name: 'min', kind: 'string', valueName: 'score', description: 'Exit with status 1 when the efficiency is below this score (0 to 1, or a percentage such as 90%)' },
    { name: 'top', kind: 'int', valueName: 'int', default: 10, description: 'How many of the most wasteful files to list' },
    { name: 'json', kind: 'bool', description: 'Print the result as JSON' },
  ],
  async run(ctx, args, flags) {
    const minimum = parseMinimum(stringFlag(flags, 'min'));
    const top = intFlag(flags, 'top') ?? 10;
    if (top < 0) throw new UsageError(`invalid argument "${top}" for "--top" flag: give 0 or more`);
    const { analysis } = await analyseForCli(ctx, args[0]!);
    const pass = minimum === undefined || analysis.efficiency >= minimum;
    const wasted = analysis.wasted.slice(0, top);
    if (boolFlag(flags, 'json')) {
      const result = {
        efficiency: analysis.efficiency,
        ...(minimum === undefined ? {} : { minimum, pass }),
        wastedBytes: analysis.wastedBytes,
        diveWastedBytes: analysis.diveWastedBytes,
        contentBytes: analysis.contentBytes,
        userContentBytes: analysis.userContentBytes,
        finalBytes: analysis.finalBytes,
        wasted,
      };
      writeLine(ctx.stdout, JSON.stringify(result, null, 2));
      return pass ? 0 : 1;
    }
    writeLine(ctx.stdout, `Efficiency: ${percent(analysis.efficiency)}`);
    writeLine(ctx.stdout, `Wasted: ${humanSize(analysis.wastedBytes)} stored in layers but overwritten or deleted by a later layer (${share(analysis.wastedBytes, analysis.contentBytes)} of ${humanSize(analysis.contentBytes)})`);
    writeLine(ctx.stdout, `dive's wasted space: ${humanSize(analysis.diveWastedBytes)} (every copy of the files found in more than one layer)`);
    if (wasted.length > 0) {
      writeLine(ctx.stdout);
      ctx.stdout.write(tabwrite(['WASTED\tVERSIONS\tPATH', ...wasted.map((w) => `${humanSize(w.wastedBytes)}\t${w.hiddenVersions}\t${w.path}${w.finalLayer === null ? ' (deleted)' : ''}`)]));
    }
    if (minimum !== undefined) {
      writeLine(ctx.stdout);
      const score = analysis.efficiency.toFixed(4);
      writeLine(ctx.stdout, pass ? `PASS: efficiency ${score} is at least ${minimum}` : `FAIL: efficiency ${score} is below the minimum ${minimum}`);
    }
    return pass ? 0 : 1;
  },
};

function parseMinimum(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const match = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(%?)\s*$/.exec(text);
  const value = match ? Number(match[1]) / (match[2] ? 100 : 1) : NaN;
  if (!(value >= 0 && value <= 1)) {
    throw new UsageError(`invalid argument "${text}" for "--min" flag: give a score from 0 to 1 (such as 0.9) or a percentage (such as 90%)`);
  }
  return value;
}

function share(part: number, whole: number): string {
  return whole === 0 ? '0 %' : percent(part / whole);
}

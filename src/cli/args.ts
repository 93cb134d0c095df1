// A small parser with pflag's behaviour, since users bring Docker habits: `--name value`,
// `--name=value`, bundled short flags (`-aq`), `-fvalue`, repeatable list flags, flags anywhere
// among the arguments, and `--` to end flags.

export type FlagKind = 'bool' | 'string' | 'list' | 'int';

export interface FlagSpec {
  name: string;
  short?: string;
  kind: FlagKind;
  description: string;
  /** Shown in usage, e.g. "string" or "filter". */
  valueName?: string;
  default?: string | boolean | number;
  hidden?: boolean;
}

export type FlagValues = Record<string, string | boolean | number | string[] | undefined>;

export interface ParsedArgs {
  flags: FlagValues;
  args: string[];
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** `interspersed: false` ends flags at the first argument, as `docker run IMAGE CMD -x` needs. */
export function parseArgs(argv: readonly string[], specs: readonly FlagSpec[], options: { interspersed?: boolean } = {}): ParsedArgs {
  const byLong = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short!, s]));
  const flags: FlagValues = {};
  for (const s of specs) {
    if (s.kind === 'list') flags[s.name] = [];
    else if (s.default !== undefined) flags[s.name] = s.default;
    else if (s.kind === 'bool') flags[s.name] = false;
  }
  const args: string[] = [];

  const assign = (spec: FlagSpec, value: string | undefined, shown: string): void => {
    switch (spec.kind) {
      case 'bool': {
        if (value === undefined) flags[spec.name] = true;
        else if (/^(true|1|t|T|TRUE|True)$/.test(value)) flags[spec.name] = true;
        else if (/^(false|0|f|F|FALSE|False)$/.test(value)) flags[spec.name] = false;
        else throw new UsageError(`invalid argument "${value}" for "${shown}" flag: strconv.ParseBool: parsing "${value}": invalid syntax`);
        return;
      }
      case 'int': {
        if (value === undefined || !/^-?\d+$/.test(value)) throw new UsageError(`invalid argument "${value ?? ''}" for "${shown}" flag: strconv.ParseInt: parsing "${value ?? ''}": invalid syntax`);
        flags[spec.name] = Number(value);
        return;
      }
      case 'list':
        (flags[spec.name] as string[]).push(value ?? '');
        return;
      default:
        flags[spec.name] = value ?? '';
    }
  };

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('--') && arg.length > 2) {
      const eq = arg.indexOf('=');
      const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
      const spec = byLong.get(name);
      if (!spec) throw new UsageError(`unknown flag: --${name}`);
      let value: string | undefined = eq >= 0 ? arg.slice(eq + 1) : undefined;
      if (value === undefined && spec.kind !== 'bool') {
        if (i + 1 >= argv.length) throw new UsageError(`flag needs an argument: --${name}`);
        value = argv[++i];
      }
      assign(spec, value, flagLabel(spec));
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      for (let j = 1; j < arg.length; j++) {
        const ch = arg[j]!;
        const spec = byShort.get(ch);
        if (!spec) throw new UsageError(`unknown shorthand flag: '${ch}' in ${arg}`);
        if (spec.kind === 'bool') {
          if (arg[j + 1] === '=') {
            assign(spec, arg.slice(j + 2), flagLabel(spec));
            break;
          }
          assign(spec, undefined, flagLabel(spec));
          continue;
        }
        let value = arg.slice(j + 1);
        if (value.startsWith('=')) value = value.slice(1);
        if (value === '') {
          if (i + 1 >= argv.length) throw new UsageError(`flag needs an argument: '${ch}' in -${ch}`);
          value = argv[++i]!;
        }
        assign(spec, value, flagLabel(spec));
        break;
      }
      continue;
    }
    if (options.interspersed === false) {
      args.push(...argv.slice(i));
      break;
    }
    args.push(arg);
  }
  return { flags, args };
}

export function flagLabel(spec: FlagSpec): string {
  return spec.short ? `-${spec.short}, --${spec.name}` : `--${spec.name}`;
}

export function formatFlagHelp(specs: readonly FlagSpec[]): string {
  const rows = specs
    .filter((s) => !s.hidden)
    .map((s) => {
      const left = `${s.short ? `-${s.short}, ` : '    '}--${s.name}${s.kind === 'bool' ? '' : ` ${s.valueName ?? (s.kind === 'int' ? 'int' : 'string')}`}`;
      return [left, s.description] as const;
    });
  const width = Math.max(0, ...rows.map(([l]) => l.length));
  return rows.map(([l, d]) => `  ${l.padEnd(width)}   ${d}`).join('\n');
}

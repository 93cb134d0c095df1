// The global flags that come before a command (`--store DIR`, `-D`), read apart from the command's
// own. Imports nothing: the launcher reads them too, to pick the bundle that runs the command.

export interface GlobalFlags {
  store?: string;
  debug: boolean;
  /** The command line without the global flags: the command's words, then its own arguments. */
  rest: string[];
}

export function extractGlobalFlags(argv: readonly string[]): GlobalFlags {
  const rest: string[] = [];
  let store: string | undefined;
  let debug = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if (a === '--store') {
      store = argv[++i];
      continue;
    }
    if (a.startsWith('--store=')) {
      store = a.slice('--store='.length);
      continue;
    }
    if ((a === '-D' || a === '--debug') && rest.length === 0) {
      debug = true;
      continue;
    }
    rest.push(a);
  }
  return { store, debug, rest };
}

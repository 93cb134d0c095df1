// `stevedore completion bash|zsh|fish` — prints the shell's completion script (see README for
// where to put it). The script asks `stevedore __complete` for commands, flags and image names.

import { StevedoreError } from '../../core/errors';
import type { Command } from '../command';
import { COMPLETION_SHELLS, completionScript, type CompletionShell } from '../completionScripts';

export const completionCommand: Command = {
  usage: 'stevedore completion bash|zsh|fish',
  flags: [],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, args) {
    const shell = args[0]!;
    if (!(COMPLETION_SHELLS as readonly string[]).includes(shell)) {
      throw new StevedoreError('INVALID_ARGUMENT', `no completion for "${shell}": give one of ${COMPLETION_SHELLS.join(', ')}, e.g. "source <(stevedore completion bash)".`);
    }
    ctx.stdout.write(completionScript(shell as CompletionShell));
    return 0;
  },
};

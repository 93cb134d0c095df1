// Where a container's input and output go for `run` and `start -a`. With -t on a terminal, the
// runtime takes this terminal itself (raw mode, size and resizes included); with -t but input or
// output not a terminal, the container gets a terminal of its own whose output is passed on, as
// with `docker run -t … | cat`.

import type { ContainerIo } from '../core/runtime/ociRuntime';
import type { CliContext } from './context';
import { machineTerminal } from './machineChannel';

export function containerIo(ctx: Pick<CliContext, 'stdin' | 'stdout' | 'stderr' | 'env'>, tty: boolean, interactive: boolean): ContainerIo {
  // A program that runs this CLI (the VS Code extension) may lend a terminal of its own through the machine channel.
  const lent = tty ? machineTerminal(ctx.env) : undefined;
  if (tty && !lent && ctx.stdin.isTTY && ctx.stdout.isTTY) return { inherit: true };
  const io: ContainerIo = { ...(interactive ? { stdin: ctx.stdin } : {}), stdout: ctx.stdout, stderr: ctx.stderr };
  if (tty) io.terminal = lent ?? { size: { columns: ctx.stdout.columns ?? 80, rows: 24 } };
  return io;
}

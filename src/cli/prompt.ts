// Interactive questions on a terminal, for `login` without --password-stdin. A secret is read with
// echo off (raw mode), so it never appears on the screen or in a terminal recording.

import { createInterface } from 'node:readline/promises';
import { CancelledError } from '../core/errors';
import type { CliContext } from './context';

type TtyInput = CliContext['stdin'] & { setRawMode?: (raw: boolean) => void };

export async function ask(ctx: CliContext, question: string, secret: boolean): Promise<string> {
  const input = ctx.stdin as TtyInput;
  const raw = secret && typeof input.setRawMode === 'function';
  // Echo goes off before the question shows: keys typed the moment it appears are not echoed.
  if (raw) input.setRawMode!(true);
  ctx.stdout.write(question);
  try {
    // Listening for 'data' (not `for await`, which destroys the stream when left early) keeps
    // stdin usable for the next question.
    return await new Promise<string>((resolve, reject) => {
      let answer = '';
      const onData = (chunk: Buffer | string): void => {
        for (const ch of Buffer.from(chunk).toString('utf8')) {
          if (ch === '\r' || ch === '\n') return finish(() => resolve(answer));
          if (ch === '\u0003') return finish(() => reject(new CancelledError()));
          if (ch === '\u007f' || ch === '\b') answer = answer.slice(0, -1);
          else answer += ch;
        }
      };
      const onEnd = (): void => finish(() => resolve(answer));
      const finish = (settle: () => void): void => {
        input.off('data', onData);
        input.off('end', onEnd);
        settle();
      };
      input.on('data', onData);
      input.on('end', onEnd);
      input.resume();
    });
  } finally {
    if (raw) {
      input.setRawMode!(false);
      ctx.stdout.write('\n');
    }
    input.pause();
  }
}

/** Reads all of standard input, without the trailing line break (as `docker login --password-stdin`). */
export async function readAllStdin(ctx: CliContext): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of ctx.stdin) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** A prune's question: true only for an answer of y or yes (Docker's [y/N]). */
export async function confirm(ctx: CliContext, question: string): Promise<boolean> {
  ctx.stdout.write(question);
  const rl = createInterface({ input: ctx.stdin, terminal: false });
  try {
    for await (const line of rl) return /^y(es)?$/i.test(line.trim());
    return false;
  } finally {
    rl.close();
  }
}

// Runs a command on a pseudo-terminal (util-linux `script`), answering its prompts as a person
// would: each answer is typed once the prompt has appeared. What the terminal showed (echo
// included) comes back, so a test can check that a secret was not echoed.

import { spawn } from 'node:child_process';

export interface TerminalResult {
  code: number | null;
  /** Everything the terminal displayed. */
  output: string;
}

/**
 * `answers`: [prompt to wait for, keys to type] in order. `timeoutMs` only guards against a prompt
 * that never comes (the command would wait for input forever); it is far above any real run.
 */
export function onTerminal(argv: readonly string[], env: NodeJS.ProcessEnv, answers: readonly [string, string][], timeoutMs = 300_000): Promise<TerminalResult> {
  const command = argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    let next = 0;
    let answeredUpTo = 0;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no end on the terminal within ${timeoutMs} ms; it showed: ${JSON.stringify(output)}`));
    }, timeoutMs);
    const onOutput = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      while (next < answers.length) {
        const [prompt, keys] = answers[next]!;
        const at = output.indexOf(prompt, answeredUpTo);
        if (at < 0) break;
        answeredUpTo = at + prompt.length;
        child.stdin.write(keys);
        next++;
      }
    };
    child.stdout.on('data', onOutput);
    child.stderr.on('data', onOutput);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

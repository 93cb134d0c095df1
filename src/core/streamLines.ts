// Line-by-line reading of a stream of text: the CLI's machine channel and the pipes of the CLI the
// extension runs as its child (cli/machineChannel.ts, extension/containers/cliProcess.ts) both
// carry one message a line. Here so that both sides share one reader without either importing
// the other (the CLI must not pull in the extension, nor the extension the CLI's commands).

import type { Readable } from 'node:stream';

/** Calls `onLine` with each line of `stream` (the last one too when it has no newline); a stream error ends the lines. */
export function streamLines(stream: Readable, onLine: (line: string) => void): void {
  let buffered = '';
  stream.setEncoding('utf8');
  stream.on('data', (text: string) => {
    buffered += text;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      onLine(line);
    }
  });
  stream.on('end', () => {
    if (buffered) onLine(buffered);
    buffered = '';
  });
  stream.on('error', () => undefined);
}

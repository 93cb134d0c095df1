// `$VAR` substitution in the instructions a build interprets itself (FROM, COPY, ADD, ARG), with
// the forms Dockerfiles use: $VAR, ${VAR}, ${VAR:-default}, ${VAR:+alternative}, and the escape
// character before a `$` to keep it. An unset variable expands to nothing, as in Docker.
// (ENV, LABEL, CMD and the other metadata instructions go through configChanges.ts, which has the
// daemon's own rules.)

import { StevedoreError } from '../errors';

export function expandVariables(text: string, vars: ReadonlyMap<string, string>, escape = '\\'): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === escape && text[i + 1] === '$') {
      out += '$';
      i++;
      continue;
    }
    if (ch !== '$') {
      out += ch;
      continue;
    }
    const braced = text[i + 1] === '{';
    if (!braced) {
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i + 1))?.[0];
      if (!name) {
        out += '$';
        continue;
      }
      out += vars.get(name) ?? '';
      i += name.length;
      continue;
    }
    const close = text.indexOf('}', i + 2);
    if (close < 0) throw new StevedoreError('INVALID_ARGUMENT', `missing "}" in "${text}"`);
    const inner = text.slice(i + 2, close);
    const match = /^([A-Za-z_][A-Za-z0-9_]*)(?::([-+])([\s\S]*))?$/.exec(inner);
    if (!match) throw new StevedoreError('INVALID_ARGUMENT', `unsupported substitution "\${${inner}}" in "${text}"`);
    const value = vars.get(match[1]!);
    if (match[2] === '-') out += value ? value : expandVariables(match[3]!, vars, escape);
    else if (match[2] === '+') out += value ? expandVariables(match[3]!, vars, escape) : '';
    else out += value ?? '';
    i = close;
  }
  return out;
}

// The two config instructions a build has that `--change` does not: SHELL (JSON form only; it is
// what later shell-form CMD, ENTRYPOINT and HEALTHCHECK run under) and HEALTHCHECK
// ([--interval=D] [--timeout=D] [--start-period=D] [--start-interval=D] [--retries=N] CMD … | NONE),
// recorded as Docker's builder records them: durations in nanoseconds, zero fields left out.

import { StevedoreError } from '../errors';
import type { ContainerConfig, HealthConfig } from '../image/types';
import { jsonArgs, type Instruction } from './dockerfile';

export function applyShell(config: ContainerConfig, instruction: Instruction): ContainerConfig {
  const shell = jsonArgs(instruction.args, instruction.line);
  if (!shell || shell.length === 0) throw invalid(instruction, 'SHELL requires the JSON form, such as SHELL ["/bin/sh", "-c"]');
  return { ...config, Shell: shell };
}

export function applyHealthcheck(config: ContainerConfig, instruction: Instruction): ContainerConfig {
  const args = instruction.args;
  if (/^none$/i.test(args)) {
    if (Object.keys(instruction.flags).length) throw invalid(instruction, 'HEALTHCHECK NONE takes no options');
    return { ...config, Healthcheck: { Test: ['NONE'] } };
  }
  const match = /^cmd\s+([\s\S]+)$/i.exec(args);
  if (!match) throw invalid(instruction, 'HEALTHCHECK takes CMD followed by a command, or NONE');
  const exec = jsonArgs(match[1]!, instruction.line);
  const health: HealthConfig = { Test: exec ? ['CMD', ...exec] : ['CMD-SHELL', match[1]!] };
  for (const [flag, value] of Object.entries(instruction.flags)) {
    if (flag === 'retries') {
      if (!/^\d+$/.test(value)) throw invalid(instruction, `--retries=${value} is not a whole number`);
      if (Number(value) > 0) health.Retries = Number(value);
      continue;
    }
    const key = { interval: 'Interval', timeout: 'Timeout', 'start-period': 'StartPeriod', 'start-interval': 'StartInterval' }[flag];
    if (!key) throw invalid(instruction, `HEALTHCHECK has no --${flag} option`);
    const ns = goDuration(value, instruction, flag);
    if (ns > 0) (health as Record<string, unknown>)[key] = ns;
  }
  return { ...config, Healthcheck: health };
}

const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go's time.ParseDuration for the non-negative values a healthcheck takes ("1m30s", "500ms"); at least 1ms unless 0. */
function goDuration(text: string, instruction: Instruction, flag: string): number {
  if (text === '0') return 0;
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) throw invalid(instruction, `--${flag}=${text} is not a duration such as 30s or 1m30s`);
  const ns = Math.round(parts.reduce((sum, p) => sum + Number(p[1]) * UNIT_NS[p[2]!]!, 0));
  if (ns > 0 && ns < 1e6) throw invalid(instruction, `--${flag}=${text} is shorter than the 1ms Docker allows`);
  return ns;
}

function invalid(instruction: Instruction, what: string): StevedoreError {
  return new StevedoreError('INVALID_ARGUMENT', `Dockerfile line ${instruction.line}: ${what}.`);
}

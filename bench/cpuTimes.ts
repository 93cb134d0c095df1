// Wall time, user and system CPU and peak memory of one command, from GNU time, for benches that
// print more than a median of wall times; and the CPU model, so figures from different machines
// can be told apart.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface Measured {
  ms: number;
  userMs: number;
  sysMs: number;
  peakKb: number;
}

export function measure(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Measured {
  const start = process.hrtime.bigint();
  const result = spawnSync('/usr/bin/time', ['-f', '%U %S %M', cmd, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const stderr = result.stderr.toString();
  if (result.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${stderr}`);
  const [user, sys, peak] = stderr.trim().split('\n').pop()!.split(' ').map(Number);
  return { ms, userMs: user! * 1000, sysMs: sys! * 1000, peakKb: peak! };
}

/**
 * measure() for a command of a few tens of milliseconds: its wall time from a run of its own, as a
 * user or a script starts it, since GNU time's own start adds ~5 ms to the wall time it wraps (a
 * ratio of two such commands would shrink toward 1); CPU and peak memory from a run under GNU time.
 */
export function measureShort(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Measured {
  const timed = measure(cmd, args, env);
  const start = process.hrtime.bigint();
  const result = spawnSync(cmd, args, { env, stdio: 'ignore' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${result.status})`);
  return { ...timed, ms };
}

export function medianOf(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** One line per tool: median wall time, median user+sys, peak memory, and the ratio to the first. */
export function printRuns(label: string, runs: Record<string, Measured[]>, goal: string): void {
  const names = Object.keys(runs);
  const ours = medianOf(runs[names[0]!]!.map((r) => r.ms));
  console.log(`${label}:`);
  for (const name of names) {
    const list = runs[name]!;
    const wall = medianOf(list.map((r) => r.ms));
    const cpu = medianOf(list.map((r) => r.userMs + r.sysMs));
    const ratio = name === names[0] ? '' : ` — ratio ${names[0]}/${name} = ${(ours / wall).toFixed(2)}`;
    console.log(`  ${name}: ${wall.toFixed(0)} ms wall, ${cpu.toFixed(0)} ms user+sys (medians of ${list.length}), peak ${(Math.max(...list.map((r) => r.peakKb)) / 1024).toFixed(0)} MB${ratio}`);
  }
  console.log(`  goal: ${goal}`);
}

export function cpuModel(): string {
  try {
    return /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown CPU';
  } catch {
    return 'unknown CPU';
  }
}

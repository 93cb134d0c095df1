// Starts Debian's tinyproxy, a real HTTP proxy (absolute-form requests and CONNECT tunnels), on a
// free loopback port, optionally with Basic auth. Its log lists every request it relayed. Stop it
// with `stop()` (by PID).

import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, stopProcess } from './registry';

export interface RunningProxy {
  /** 'http://127.0.0.1:PORT' */
  url: string;
  port: number;
  /** The request lines relayed so far: "GET http://host:port/v2/ HTTP/1.1", "CONNECT host:port HTTP/1.1". */
  requests(): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startTinyproxy(options: { basicAuth?: { username: string; password: string } } = {}): Promise<RunningProxy> {
  const dir = await mkdtemp(join(tmpdir(), 'stevedore-proxy-'));
  const port = await freePort();
  const log = join(dir, 'tinyproxy.log');
  const lines = [`Port ${port}`, 'Listen 127.0.0.1', 'Timeout 60', `LogFile "${log}"`, 'LogLevel Info', 'MaxClients 50'];
  if (options.basicAuth) lines.push(`BasicAuth ${options.basicAuth.username} ${options.basicAuth.password}`);
  const config = join(dir, 'tinyproxy.conf');
  await writeFile(config, `${lines.join('\n')}\n`);
  const child = spawn('tinyproxy', ['-d', '-c', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  const exited = new Promise<unknown>((resolve) => child.once('exit', resolve));
  for (;;) {
    if (await accepts(port)) break;
    // No count or time limit: a busy machine may take a while; a tinyproxy that fails exits.
    if (child.exitCode !== null) {
      await stopProcess(child, exited);
      await rm(dir, { recursive: true, force: true });
      throw new Error(`tinyproxy did not start: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests: async () =>
      (await readFile(log, 'utf8').catch(() => ''))
        .split('\n')
        .map((line) => /Request \(file descriptor \d+\): (.*)$/.exec(line)?.[1])
        .filter((r): r is string => r !== undefined),
    stop: async () => {
      await stopProcess(child, exited);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

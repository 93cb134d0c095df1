// Which insecure registries (loopback ones, those allowed with --insecure-registry) spoke plain HTTP
// when last pinged. Such a registry is tried over TLS first, as Docker does, and only then over
// HTTP: a TLS handshake that costs a Node process loading node:tls and a round trip (about 4 ms of
// a 55 ms no-op pull from a local registry) on every command. Remembered, the next ping asks over
// HTTP first and takes only a registry's answer (200 or 401); anything else (a registry since moved
// to TLS answers 400) goes back to the usual order. The ping carries no credentials, so asking a
// TLS registry over HTTP first gives nothing away. A cache: lost or unreadable, it costs a probe.

import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface PlainHttpMemory {
  /** Whether `hostPort` answered over plain HTTP when it was last pinged. */
  spokePlainHttp(hostPort: string): Promise<boolean>;
  /** Records what a ping found; writes only when that changes what is remembered. */
  remember(hostPort: string, plainHttp: boolean): Promise<void>;
}

/** Hosts kept, newest last: loopback registries of tests come and go on fresh ports. */
const MAX_HOSTS = 100;

export function plainHttpMemoryFile(file: string): PlainHttpMemory {
  let hosts: Promise<string[]> | undefined;
  // Changes are made one after another, each on the list the last one left, so two pings of one
  // process (two registries at once) both count.
  let changes: Promise<void> = Promise.resolve();
  let writes = 0;
  const read = (): Promise<string[]> =>
    (hosts ??= readFile(file, 'utf8').then(
      (text) => {
        const parsed = JSON.parse(text) as { plainHttp?: unknown };
        return Array.isArray(parsed.plainHttp) ? parsed.plainHttp.filter((h): h is string => typeof h === 'string') : [];
      },
      () => [],
    ).catch(() => []));
  return {
    spokePlainHttp: async (hostPort) => (await read()).includes(hostPort),
    remember: (hostPort, plainHttp) => {
      changes = changes.then(async () => {
        const known = await read();
        if (known.includes(hostPort) === plainHttp) return;
        const next = [...known.filter((h) => h !== hostPort), ...(plainHttp ? [hostPort] : [])].slice(-MAX_HOSTS);
        hosts = Promise.resolve(next);
        // Written whole and renamed into place: a reader sees the old list or the new one. Two
        // processes writing at once keep one of their lists, which costs the other a probe.
        const temp = `${file}.${process.pid}-${++writes}.tmp`;
        try {
          await mkdir(dirname(file), { recursive: true });
          await writeFile(temp, `${JSON.stringify({ plainHttp: next })}\n`);
          await rename(temp, file);
        } catch {
          // A cache that cannot be written costs only the probe next time.
          await rm(temp, { force: true }).catch(() => undefined);
        }
      });
      return changes;
    },
  };
}

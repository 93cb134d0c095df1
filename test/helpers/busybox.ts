// A real root filesystem for tests: Debian's busybox-static binary with its applet links, as a tar.

import { readFile } from 'node:fs/promises';
import { makeTar, type TarFile } from './fixtures';

export const BUSYBOX = '/bin/busybox';

export async function busyboxRootfs(): Promise<Buffer> {
  const binary = await readFile(BUSYBOX);
  const entries: TarFile[] = [
    { name: 'bin/', type: 'directory' },
    { name: 'bin/busybox', content: binary, mode: 0o755 },
    ...['sh', 'ls', 'cat', 'echo', 'true'].map((applet) => ({ name: `bin/${applet}`, type: 'symlink' as const, linkname: 'busybox' })),
    { name: 'etc/', type: 'directory' },
    { name: 'etc/passwd', content: 'root:x:0:0:root:/root:/bin/sh\n' },
    { name: 'tmp/', type: 'directory', mode: 0o1777 },
  ];
  return makeTar(entries);
}

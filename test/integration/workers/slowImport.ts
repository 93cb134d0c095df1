// The victim of the crash test: imports a rootfs big enough that a SIGKILL lands mid-import.

import { readFile } from 'node:fs/promises';
import { ImageStore } from '../../../src/core/store/imageStore';
import { importBuffer } from '../../helpers/fixtures';

async function main(): Promise<void> {
  const [storePath, tarPath, ref] = process.argv.slice(2) as [string, string, string];
  const store = await ImageStore.open(storePath);
  process.stdout.write('ready\n');
  await importBuffer(store, await readFile(tarPath), ref);
  process.stdout.write('done\n');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

// The victim of the crash test: imports a rootfs big enough that a SIGKILL lands mid-import, and
// prints how far it got ("at BYTES") so that the test kills it at a chosen point, not a chosen time.

import { readFile } from 'node:fs/promises';
import { importRootfs } from '../../../src/core/image/importRootfs';
import { FileImageStore } from '../../../src/core/store/fileImageStore';
import { chunksOf } from '../../helpers/fixtures';

async function main(): Promise<void> {
  const [storePath, tarPath, ref] = process.argv.slice(2) as [string, string, string];
  const store = await FileImageStore.open(storePath);
  const data = await readFile(tarPath);
  process.stdout.write('ready\n');
  await importRootfs(store, { source: chunksOf(data), sourceName: 'test.tar', reference: ref, onProgress: (bytes) => process.stdout.write(`at ${bytes}\n`) });
  process.stdout.write('done\n');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

// Writes a stream to a user-named file the way the Docker CLI writes archives: beside the target
// under a temporary name, renamed into place only when complete, so that a failed or cancelled
// write never leaves a partial file under the name asked for. Never inside the image store: a
// rename over index.json or a blob would destroy images (outsideStore.ts).

import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { finished } from 'node:stream/promises';
import { assertOutsideStore } from '../store/outsideStore';
import { copyToWritable } from './tarWriter';

export async function writeOutputFile(source: AsyncIterable<Uint8Array>, path: string, storeRoot: string, signal?: AbortSignal): Promise<void> {
  await assertOutsideStore(storeRoot, path);
  const temp = join(dirname(path), `.${basename(path)}.stevedore-${randomBytes(6).toString('hex')}`);
  const file = createWriteStream(temp, { flags: 'wx' });
  try {
    await copyToWritable(source, file, signal);
    file.end();
    await finished(file);
    await rename(temp, path);
  } catch (err) {
    // A write still in flight fails once the file is destroyed; the failure that got here is the one reported.
    file.on('error', () => undefined);
    file.destroy();
    await rm(temp, { force: true });
    throw err;
  }
}

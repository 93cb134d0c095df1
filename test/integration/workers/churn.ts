// A second process for the concurrency test: ROUNDS rounds of import / tag / rmi on STORE, with
// layer content shared with the other worker so that garbage collection in one races imports in the other.

import { createHash } from 'node:crypto';
import { FileImageStore } from '../../../src/core/store/fileImageStore';
import { removeImages } from '../../../src/core/store/removeImages';
import { tagImage } from '../../../src/core/store/tagImage';
import { importBuffer, makeTar } from '../../helpers/fixtures';

async function main(): Promise<void> {
  const [storePath, name, roundsText] = process.argv.slice(2) as [string, string, string];
  const rounds = Number(roundsText);
  const store = await FileImageStore.open(storePath);
  for (let i = 0; i < rounds; i++) {
    // Same bytes in both workers for a given round: the layer blob is shared.
    const content = createHash('sha256').update(`round ${i}`).digest();
    const rootfs = await makeTar([{ name: 'data', content: Buffer.concat(Array.from({ length: 64 }, () => content)) }]);
    await importBuffer(store, rootfs, `${name}:r${i}`, { message: `${name} round ${i}` });
    await tagImage(store, `${name}:r${i}`, `${name}:keep${i}`);
    const untag = await removeImages(store, [`${name}:r${i}`]);
    if (untag.failures.length) throw untag.failures[0]!.error;
    if (i % 2 === 0) {
      const removed = await removeImages(store, [`${name}:keep${i}`]);
      if (removed.failures.length) throw removed.failures[0]!.error;
    }
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

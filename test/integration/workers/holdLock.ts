// Takes the store lock and holds it until killed, to test that a dead owner's lock is broken.

import { StoreLock } from '../../../src/core/store/storeLock';

async function main(): Promise<void> {
  const [dir] = process.argv.slice(2) as [string];
  await new StoreLock(dir).acquire();
  process.stdout.write('locked\n');
  setInterval(() => undefined, 1000);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

import { join } from 'node:path';
import { ImageStore } from '../../src/core/store/imageStore';
import { tempDir } from '../helpers/fixtures';
import { storeContract } from '../helpers/storeContract';

storeContract('ImageStore', async () => {
  const dir = await tempDir();
  return { store: await ImageStore.open(join(dir.path, 'store')), cleanup: dir.cleanup };
});

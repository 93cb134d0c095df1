import { join } from 'node:path';
import { BlobStore } from '../../src/core/store/blobStore';
import { FileImageStore } from '../../src/core/store/fileImageStore';
import { tempDir } from '../helpers/fixtures';
import { contentStoreContract } from '../helpers/contentStoreContract';
import { storeContract } from '../helpers/storeContract';

storeContract('ImageStore', async () => {
  const dir = await tempDir();
  return { store: await FileImageStore.open(join(dir.path, 'store')), cleanup: dir.cleanup };
});

contentStoreContract('BlobStore', async () => {
  const dir = await tempDir();
  return { content: new BlobStore(join(dir.path, 'store'), join(dir.path, 'store', 'ingest')), cleanup: dir.cleanup };
});

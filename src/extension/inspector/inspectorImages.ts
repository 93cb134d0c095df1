// The images the inspector opened lately, as the store loaded them (manifest and config decoded,
// layers ready to read), by store and manifest digest. A manifest digest names its content, so a
// second look at an image needs no read before its page can be written: the warm first paint
// waits on nothing of the store's. Whether the image is still in the store is what the caller's
// record says (the pick and the Images view list the store afresh).

import type { Image } from '../../core/image/image';
import type { ImageRecord, ImageStore } from '../../core/store/imageStore';

const KEPT = 8;

export class InspectorImages {
  private readonly loaded = new Map<string, Promise<Image>>();

  load(store: ImageStore, record: ImageRecord): Promise<Image> {
    const key = `${store.root}\n${record.manifestDigest}`;
    const known = this.loaded.get(key);
    if (known) {
      // Most recently used last: the first entry is the one to drop.
      this.loaded.delete(key);
      this.loaded.set(key, known);
      return known;
    }
    const loading = store.load(record);
    this.loaded.set(key, loading);
    loading.catch(() => {
      if (this.loaded.get(key) === loading) this.loaded.delete(key);
    });
    while (this.loaded.size > KEPT) this.loaded.delete(this.loaded.keys().next().value!);
    return loading;
  }
}

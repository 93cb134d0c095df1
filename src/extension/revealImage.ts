// After an import, load or build, the new image is selected in the Images view, so "Imported … as
// ff86943049d8" points at something visible. An untagged image shows only with dangling images
// shown, so they are turned on first (the view's toggle, a user setting).

import type { Services } from './services';
import { updateSetting } from './settings';

/** Shows and selects the image with config digest `imageId`; resolves to whether it was found in the view. */
export async function revealImage(services: Services, imageId: string, untagged: boolean): Promise<boolean> {
  if (untagged && !services.settings().showDangling) {
    await updateSetting('images.showDangling', true);
    services.log.info('showing dangling images, so the untagged image just made is visible');
  }
  services.images.refresh();
  const node = (await services.images.imageNodes()).find((n) => n.record.id === imageId);
  if (!node) return false;
  // Only when the view is open: revealing would otherwise open the side bar over the user's work.
  if (services.imagesView.visible) await Promise.resolve(services.imagesView.reveal(node, { select: true, focus: false })).catch(() => undefined);
  return true;
}

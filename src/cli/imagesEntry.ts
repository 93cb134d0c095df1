// The command table's entry for `images`, on its own: the images bundle (mainImages.ts) runs with
// this entry alone, without the table that would bring every command's code into it.

import { IMAGES_NAMES } from './bundleChoice';
import type { CommandEntry } from './commandTable';

export const imagesEntry: CommandEntry = {
  names: IMAGES_NAMES.map((words) => [...words]),
  summary: 'List images',
  completes: 'images',
  exitWhenDone: true,
  load: async () => (await import('./commands/images')).imagesCommand,
};

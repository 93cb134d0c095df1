// undici is a third of the bundle and takes ~40 ms to evaluate; commands that never touch the
// network (images, tag, inspect, the extension's tree) should not pay for it at start-up.

export type Undici = typeof import('undici');

export function loadUndici(): Promise<Undici> {
  return import('undici');
}

// Tells the views when the store changed, also when the CLI or another window changed it, without
// polling: fs.watch on the store's top folder (index.json is replaced by a rename there on every
// tag, pull, load, import or removal) and on its private folder (metadata.json: repo digests after
// a push). Bursts of events, as one operation writes both files, are folded into one notification.
// No vscode import: it is plain Node, and tested as such.

import { watch, type FSWatcher } from 'node:fs';
import { basename } from 'node:path';
import type { StoreLayout } from '../core/store/layout';

export interface StoreWatcherOptions {
  /** Quiet time after the last event before `onChange` is called (default 200 ms). */
  debounceMs?: number;
  onError?: (err: Error) => void;
}

export class StoreWatcher {
  private readonly watchers: FSWatcher[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;

  constructor(layout: StoreLayout, private readonly onChange: () => void, private readonly options: StoreWatcherOptions = {}) {
    this.watchFolder(layout.root, basename(layout.indexFile));
    this.watchFolder(layout.privateDir, basename(layout.metadataFile));
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const w of this.watchers) w.close();
    this.watchers.length = 0;
  }

  private watchFolder(folder: string, file: string): void {
    let watcher: FSWatcher;
    try {
      watcher = watch(folder, { persistent: false });
    } catch (err) {
      this.options.onError?.(err as Error);
      return;
    }
    watcher.on('change', (_event, name) => {
      // Some platforms give no file name; then any change in the folder counts.
      if (name === null || name === undefined || String(name) === file) this.schedule();
    });
    watcher.on('error', (err) => {
      this.options.onError?.(err);
      watcher.close();
    });
    this.watchers.push(watcher);
  }

  private schedule(): void {
    if (this.disposed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.disposed) this.onChange();
    }, this.options.debounceMs ?? 200);
  }
}

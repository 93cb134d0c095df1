// The image store the extension works on: the `stevedore.storePath` setting, else the CLI's default
// (STEVEDORE_STORE, $XDG_DATA_HOME/stevedore, ~/.local/share/stevedore), so the CLI and the
// extension see the same images. Opened on first use, not at activation, and reopened when the
// setting changes; a watcher on it tells the views when anything (the CLI included) changed it.

import * as vscode from 'vscode';
import type { ImageStore } from '../core/store/imageStore';
import { StoreWatcher } from './storeWatcher';

export class StoreAccess implements vscode.Disposable {
  private opened: { path: string; store: Promise<ImageStore> } | undefined;
  private watcher: StoreWatcher | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when the store's index or metadata changed on disk, or the store path changed. */
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly storePath: () => string,
    private readonly openStore: (path: string) => Promise<ImageStore>,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  get path(): string {
    return this.storePath();
  }

  open(): Promise<ImageStore> {
    const path = this.storePath();
    if (this.opened?.path !== path) {
      this.watcher?.dispose();
      this.watcher = undefined;
      const store = this.openStore(path).then((s) => {
        // Watch only the store still in use once opening finished.
        if (this.opened?.path === path && !this.watcher) this.startWatching(s);
        return s;
      });
      this.opened = { path, store };
      // A failed open is retried on next use instead of being remembered forever.
      store.catch(() => {
        if (this.opened?.store === store) this.opened = undefined;
      });
    }
    return this.opened.store;
  }

  /** Called when the store path setting may have changed. */
  pathMayHaveChanged(): void {
    if (this.opened && this.opened.path !== this.storePath()) {
      this.log.info(`store path is now ${this.storePath()}`);
      this.watcher?.dispose();
      this.watcher = undefined;
      this.opened = undefined;
      this.changed.fire();
    }
  }

  dispose(): void {
    this.watcher?.dispose();
    this.changed.dispose();
  }

  private startWatching(store: ImageStore): void {
    this.watcher = new StoreWatcher(store.layout, () => this.changed.fire(), {
      onError: (err) => this.log.warn(`watching ${store.root} for changes failed (${err.message}); use Refresh to see changes made outside this window`),
    });
    this.log.info(`watching ${store.root} for changes`);
  }
}

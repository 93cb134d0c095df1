// Read-only JSON documents of `docker image inspect` for the Inspect command, served by a content
// provider so they are never saved anywhere: stevedore-inspect:/<name>.json?<manifest digest>.
// (The layer and digest inspector webview replaces this when it exists.)

import * as vscode from 'vscode';
import { StevedoreError } from '../core/errors';
import { withContentSizes } from '../core/image/contentSizes';
import { inspectJson } from '../core/image/inspectImage';
import type { ImageRecord } from '../core/store/imageStore';
import type { StoreAccess } from './storeAccess';

export const INSPECT_SCHEME = 'stevedore-inspect';

export class InspectDocuments implements vscode.TextDocumentContentProvider {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly store: StoreAccess) {}

  uriFor(record: ImageRecord, name: string): vscode.Uri {
    const file = name.replace(/[/:@]+/g, '_').replace(/[^A-Za-z0-9._-]/g, '') || 'image';
    return vscode.Uri.from({ scheme: INSPECT_SCHEME, path: `/${file}.json`, query: record.manifestDigest });
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const store = await this.store.open();
    const found = (await store.list()).find((r) => r.manifestDigest === uri.query);
    if (!found) {
      throw new StevedoreError('IMAGE_NOT_FOUND', `The image ${uri.query} is no longer in the store.`);
    }
    const [record] = await withContentSizes(store, [found]);
    const image = await store.load(record!);
    // Docker prints an array (one entry per argument) indented by four spaces.
    return `${JSON.stringify([inspectJson(record!, image, { storeRoot: store.root })], null, 4)}\n`;
  }

  dispose(): void {
    this.changed.dispose();
  }
}

// Read-only JSON documents of `docker image inspect` for the Inspect as JSON command, served by a
// content provider so they are never saved anywhere: stevedore-inspect:/<name>.json?<manifest
// digest> for the store's images, stevedore-inspect:/<source>/<name>.json?engine=<source>&image=<ID>
// for an engine's, which is the engine's own inspect document (what `docker image inspect` prints).

import * as vscode from 'vscode';
import { StevedoreError } from '../core/errors';
import { withContentSizes } from '../core/image/contentSizes';
import { inspectEngineImage } from '../core/engine/engineImages';
import { inspectJson } from '../core/image/inspectImage';
import type { EngineAccess } from './engines/engineAccess';
import { engineLabel } from './engines/imageSources';
import type { ImageRecord } from '../core/store/imageStore';
import type { StoreAccess } from './storeAccess';

export const INSPECT_SCHEME = 'stevedore-inspect';

export class InspectDocuments implements vscode.TextDocumentContentProvider {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly store: StoreAccess,
    private readonly engines: EngineAccess,
  ) {}

  uriFor(record: ImageRecord, name: string): vscode.Uri {
    return vscode.Uri.from({ scheme: INSPECT_SCHEME, path: `/${fileName(name)}.json`, query: record.manifestDigest });
  }

  /** An engine's image (`source`: "docker", "podman" or an added endpoint's name), by its image ID. */
  engineUriFor(source: string, imageId: string, name: string): vscode.Uri {
    return vscode.Uri.from({ scheme: INSPECT_SCHEME, path: `/${fileName(source)}/${fileName(name)}.json`, query: new URLSearchParams({ engine: source, image: imageId }).toString() });
  }

  /** The engine's inspect document of an image, as the editor shows it; IMAGE_NOT_FOUND when the engine no longer has it. */
  async engineDocument(source: string, imageId: string): Promise<string> {
    const doc = await inspectEngineImage(await this.engines.client(source), imageId);
    if (!doc) throw new StevedoreError('IMAGE_NOT_FOUND', `${engineLabel(source)} no longer has the image ${imageId}. Refresh the Images view.`);
    // As the docker CLI prints it: an array (one entry per argument), indented by four spaces.
    return `${JSON.stringify([doc], null, 4)}\n`;
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const query = new URLSearchParams(uri.query);
    const engine = query.get('engine');
    const imageId = query.get('image');
    if (engine && imageId) return this.engineDocument(engine, imageId);
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

function fileName(name: string): string {
  return name.replace(/[/:@]+/g, '_').replace(/[^A-Za-z0-9._-]/g, '') || 'image';
}

// What `stevedore.openInspector` was called with, and the image it names. VS Code passes the
// clicked item of the Images view (a node with a `record`); scripts, tests and other commands pass
// a reference, an image ID or a digest, or `{ reference }` as the other commands accept; the
// palette passes nothing, which means "ask". No vscode import, so it is tested in plain Node.

import { isDigest } from '../../core/digest';
import { StevedoreError } from '../../core/errors';
import { familiarString, tryParseReference } from '../../core/reference/reference';
import { isHexPrefix, type ImageRecord, type ImageStore } from '../../core/store/imageStore';

export type InspectorRequest =
  /** A reference, image ID (or prefix), or digest to look up in the store. */
  | { kind: 'name'; name: string }
  /** An image the caller already found (an Images view item). */
  | { kind: 'record'; manifestDigest: string; reference?: string; source?: 'engine-cache' }
  | { kind: 'pick' };

const USAGE = 'Open the inspector on an image: pass a reference ("redis:7.2"), an image ID or digest, or an item of the Images view.';

export function inspectorRequest(arg: unknown): InspectorRequest {
  if (arg === undefined || arg === null) return { kind: 'pick' };
  if (typeof arg === 'string') {
    const name = arg.trim();
    return name ? { kind: 'name', name } : { kind: 'pick' };
  }
  if (typeof arg === 'object' && !Array.isArray(arg)) {
    const o = arg as Record<string, unknown>;
    const reference = typeof o.reference === 'string' && o.reference.trim() ? o.reference.trim() : undefined;
    const record = o.record as Partial<ImageRecord> | undefined;
    if (record && typeof record === 'object' && typeof record.manifestDigest === 'string' && isDigest(record.manifestDigest)) {
      return {
        kind: 'record',
        manifestDigest: record.manifestDigest,
        ...(reference ? { reference } : {}),
        ...(o.source === 'engine-cache' ? { source: 'engine-cache' as const } : {}),
      };
    }
    if (reference) return { kind: 'name', name: reference };
    for (const key of ['image', 'id'] as const) {
      const value = o[key];
      if (typeof value === 'string' && value.trim()) return { kind: 'name', name: value.trim() };
    }
  }
  throw new StevedoreError('INVALID_ARGUMENT', USAGE);
}

export interface ResolvedImage {
  record: ImageRecord;
  /** The name the image was asked for by, when it was a name (not an ID). */
  reference?: string;
}

/** Finds the image a request names; IMAGE_NOT_FOUND (with what to do) when the store lacks it. */
export async function resolveInspectorImage(store: ImageStore, request: Exclude<InspectorRequest, { kind: 'pick' }>): Promise<ResolvedImage> {
  if (request.kind === 'name') {
    const record = await store.find(request.name);
    const byName = !isHexPrefix(request.name) && !isDigest(request.name);
    return byName ? { record, reference: request.name } : { record };
  }
  return findByManifest(store, request.manifestDigest, request.reference);
}

/** The image whose index entry is `manifestDigest`: how a panel restored after a reload finds its image again. */
export async function findByManifest(store: ImageStore, manifestDigest: string, reference?: string): Promise<ResolvedImage> {
  const records = await store.list();
  const record = records.find((r) => r.manifestDigest === manifestDigest);
  if (!record) {
    const parsed = reference ? tryParseReference(reference) : null;
    const name = reference ? `${parsed ? familiarString(parsed) : reference} (${manifestDigest})` : manifestDigest;
    throw new StevedoreError('IMAGE_NOT_FOUND', `The image ${name} is no longer in the store: it was removed, or the store setting changed. Pull or load it again to inspect it.`);
  }
  return reference ? { record, reference } : { record };
}

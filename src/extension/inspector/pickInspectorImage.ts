// The quick pick `stevedore.openInspector` shows when run from the palette: every image of the
// store under each of its names (untagged ones by ID), with size, age and image ID.

import * as vscode from 'vscode';
import { shortId } from '../../core/shortId';
import { createdSince } from '../../core/format/humanDuration';
import { humanSize, IMAGE_LIST_SIZE_PRECISION } from '../../core/format/humanSize';
import { imageSize } from '../../core/image/contentSizes';
import { imageRows } from '../../core/image/imageList';
import { familiarString, formatReference } from '../../core/reference/reference';
import type { ImageStore } from '../../core/store/imageStore';
import type { ResolvedImage } from './inspectorArgument';

export const PICK_TITLE = 'Inspect Layers and Digests';

interface ImagePick extends vscode.QuickPickItem {
  image: ResolvedImage;
}

export async function pickInspectorImage(store: ImageStore): Promise<ResolvedImage | undefined> {
  const records = await store.list();
  if (records.length === 0) {
    void vscode.window.showInformationMessage('There are no images in the store to inspect. Pull, load or import one first.');
    return undefined;
  }
  const now = new Date();
  const items: ImagePick[] = imageRows(records).map((row) => {
    const { record } = row;
    const size = humanSize(imageSize(record.summary), IMAGE_LIST_SIZE_PRECISION);
    const age = record.summary.created ? createdSince(new Date(record.summary.created), now) : '';
    const reference = row.reference ? formatReference(row.reference) : undefined;
    return {
      label: row.reference ? familiarString(row.reference) : `<none> ${shortId(record.id)}`,
      description: age ? `${size} · ${age}` : size,
      detail: `${record.id} · ${record.summary.layerCount} layer${record.summary.layerCount === 1 ? '' : 's'}`,
      image: reference ? { record, reference } : { record },
    };
  });
  const picked = await vscode.window.showQuickPick(items, { title: PICK_TITLE, placeHolder: 'Image to inspect', matchOnDescription: true, matchOnDetail: true });
  return picked?.image;
}

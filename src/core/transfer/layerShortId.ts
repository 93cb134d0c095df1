// The 12-character name Docker's lines and the Transfers view give a layer of a TransferEvent:
// a digest's short form, the hex an archive entry's path carries (blobs/sha256/<hex>,
// <id>/layer.tar), else the entry's file name without its tar extension. No Node imports, so the
// webview bundle can use it too.

import { shortId } from '../shortId';

export function layerShortId(id: string): string {
  if (/^[a-z0-9]+:[a-f0-9]{32,}$/.test(id)) return shortId(id);
  const hex = /[a-f0-9]{64}/.exec(id);
  if (hex) return hex[0].slice(0, 12);
  const base = id.split('/').pop() ?? id;
  return base.replace(/\.tar(\.gz)?$/, '').slice(0, 12);
}

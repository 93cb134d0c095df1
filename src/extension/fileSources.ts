// Files the user picked, dropped or right-clicked, opened as streams (never read whole) with their
// size for progress. Only files the extension host can read from disk qualify.

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type * as vscode from 'vscode';
import { StevedoreError } from '../core/errors';

export interface FileSource {
  path: string;
  size: number;
  stream: AsyncIterable<Uint8Array>;
}

const READ_CHUNK = 1024 * 1024;

export function diskPath(uri: vscode.Uri): string {
  if (uri.scheme !== 'file') {
    throw new StevedoreError('UNSUPPORTED', `${uri.toString(true)} is not a file on this machine's disk (${uri.scheme}:); copy it into the workspace first.`);
  }
  return uri.fsPath;
}

export async function openFileSource(path: string, onRead?: (bytes: number) => void): Promise<FileSource> {
  const info = await stat(path).catch(() => null);
  if (!info) throw new StevedoreError('INVALID_ARGUMENT', `${path} does not exist.`);
  if (info.isDirectory()) throw new StevedoreError('INVALID_ARGUMENT', `${path} is a folder; pick a tar archive (.tar, .tar.gz or .tgz).`);
  const stream = createReadStream(path, { highWaterMark: READ_CHUNK });
  if (!onRead) return { path, size: info.size, stream };
  let read = 0;
  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const chunk of stream) {
      read += (chunk as Buffer).length;
      onRead!(read);
      yield chunk as Buffer;
    }
  }
  return { path, size: info.size, stream: counted() };
}

// index.json: the list of images in the layout. Each tagged image is one entry per reference, with
// the full normalised reference (docker.io/library/redis:latest) in org.opencontainers.image.ref.name;
// a dangling image is one entry without that annotation.

import { readFile } from 'node:fs/promises';
import { StevedoreError } from '../errors';
import { MediaType } from '../image/mediaTypes';
import { REF_NAME_ANNOTATION, type Descriptor, type ImageIndex } from '../image/types';
import { writeFileAtomic } from './atomicFile';

export function emptyIndex(): ImageIndex {
  return { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [] };
}

export async function readIndexFile(path: string): Promise<ImageIndex> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyIndex();
    throw err;
  }
  try {
    const index = JSON.parse(text) as ImageIndex;
    if (!Array.isArray(index.manifests)) throw new Error('manifests is not an array');
    return index;
  } catch (err) {
    throw new StevedoreError('STORE_CORRUPT', `The store's index.json (${path}) is not a valid OCI index. Run "stevedore system check".`, { cause: err });
  }
}

export async function writeIndexFile(path: string, index: ImageIndex): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(index)}\n`);
}

export function refName(entry: Descriptor): string | undefined {
  return entry.annotations?.[REF_NAME_ANNOTATION];
}

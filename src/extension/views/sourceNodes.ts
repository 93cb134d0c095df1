// The top-level rows of the Images view: one per image source (imageSources.ts).

import type { ImageSource } from '../engines/imageSources';

export interface SourceNode {
  kind: 'source';
  id: string;
  source: ImageSource;
}

export function sourceNode(source: ImageSource): SourceNode {
  return { kind: 'source', id: `source:${source.id}`, source };
}

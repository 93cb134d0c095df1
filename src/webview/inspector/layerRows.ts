// The rows of the layers table: the image's history in order, each step that made a layer next to
// that layer, the steps that made none (ENV, CMD, LABEL…) between them, and layers the history does
// not mention at the end. Plus the short forms the table shows for media types and build steps.

import type { HistoryStep } from '../../core/layers/imageLayers';
import type { ImageOverview, LayerBasics } from './protocol';

export type LayerTableRow =
  | { kind: 'layer'; layer: LayerBasics; step: HistoryStep | null }
  /** A history step that made no layer. */
  | { kind: 'step'; step: HistoryStep; historyIndex: number };

export function layerTableRows(image: Pick<ImageOverview, 'layers' | 'history'>): LayerTableRow[] {
  const rows: LayerTableRow[] = [];
  const shown = new Set<number>();
  image.history.forEach((step, historyIndex) => {
    const layer = step.layer === null ? undefined : image.layers[step.layer];
    if (layer && !shown.has(layer.index)) {
      shown.add(layer.index);
      rows.push({ kind: 'layer', layer, step });
    } else {
      rows.push({ kind: 'step', step, historyIndex });
    }
  });
  for (const layer of image.layers) if (!shown.has(layer.index)) rows.push({ kind: 'layer', layer, step: null });
  return rows;
}

const SHELL_PREFIX = /^\/bin\/(?:ba)?sh -c /;
const NOP_PREFIX = /^\/bin\/(?:ba)?sh -c #\(nop\)\s*/;
// BuildKit writes `RUN |2 A=1 B=2 /bin/sh -c …` for steps with build args.
const ARGS_PREFIX = /^\|\d+(?: \S+=\S*)* \/bin\/(?:ba)?sh -c /;

/**
 * A build step as a Dockerfile would say it: `/bin/sh -c #(nop)  CMD ["sh"]` → `CMD ["sh"]`,
 * `/bin/sh -c apt-get update` → `RUN apt-get update`; other text (BuildKit's, an import's comment)
 * as it is, whitespace folded.
 */
export function stepText(step: Pick<HistoryStep, 'createdBy' | 'comment'> | null): string {
  if (!step) return '';
  const raw = (step.createdBy || step.comment || '').replace(/\s+/g, ' ').trim();
  if (NOP_PREFIX.test(raw)) return raw.replace(NOP_PREFIX, '');
  if (ARGS_PREFIX.test(raw)) return `RUN ${raw.replace(ARGS_PREFIX, '')}`;
  if (SHELL_PREFIX.test(raw)) return `RUN ${raw.replace(SHELL_PREFIX, '')}`;
  return raw;
}

/** `application/vnd.oci.image.layer.v1.tar+gzip` → `OCI tar+gzip`; Docker's → `Docker tar+gzip`. */
export function shortMediaType(mediaType: string): string {
  const oci = /^application\/vnd\.oci\.image\.layer\.(?:nondistributable\.)?v1\.(tar(?:\+\w+)?)$/.exec(mediaType);
  if (oci) return `OCI ${oci[1]}`;
  const docker = /^application\/vnd\.docker\.image\.rootfs\.(?:foreign\.)?diff\.tar(?:\.(\w+))?$/.exec(mediaType);
  if (docker) return docker[1] ? `Docker tar+${docker[1] === 'gzip' ? 'gzip' : docker[1]}` : 'Docker tar';
  return mediaType;
}

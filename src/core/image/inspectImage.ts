// The JSON `docker image inspect` prints, built from a stored image, plus what Docker leaves out:
// the manifest descriptor (as Docker 25+ with the containerd store shows it) and, per layer, the
// compressed digest next to the diffID.

import { familiarString, parseReference } from '../reference/reference';
import type { ImageRecord } from '../store/imageStore';
import { imageSize } from './contentSizes';
import type { LoadedImage } from './summary';
import type { ContainerConfig, HistoryEntry } from './types';

export interface InspectLayer {
  Digest: string;
  DiffID: string;
  Size: number;
  MediaType: string;
}

export interface InspectContext {
  /** The store's root folder, shown as GraphDriver.Data.LayoutDir. */
  storeRoot: string;
}

export function inspectJson(record: ImageRecord, image: LoadedImage, context: InspectContext): Record<string, unknown> {
  const { config, manifest, manifestDescriptor } = image;
  const diffIds = config.rootfs?.diff_ids ?? [];
  const lastTag = Object.values(record.taggedAt).sort().pop();
  const size = imageSize(record.summary);
  const out: Record<string, unknown> = {
    Id: record.id,
    RepoTags: record.refs.filter((r) => !r.includes('@')).map((r) => familiarString(parseReference(r))),
    RepoDigests: record.repoDigests.map((r) => familiarString(parseReference(r))),
    Parent: '',
    Comment: typeof config.comment === 'string' ? config.comment : '',
    Created: config.created ? rfc3339Nano(config.created) : '0001-01-01T00:00:00Z',
    // Docker 20.10 prints the builder's container and its config, zero values when there was none.
    Container: typeof config.container === 'string' ? config.container : '',
    ContainerConfig: dockerConfig(isObject(config.container_config) ? (config.container_config as ContainerConfig) : undefined),
    DockerVersion: typeof config.docker_version === 'string' ? config.docker_version : '',
    Author: config.author ?? '',
    Config: dockerConfig(config.config),
    Architecture: config.architecture,
    ...(config.variant ? { Variant: config.variant } : {}),
    Os: config.os,
    ...(config['os.version'] ? { OsVersion: config['os.version'] } : {}),
    Size: size,
    VirtualSize: size,
    GraphDriver: { Data: { LayoutDir: context.storeRoot }, Name: 'stevedore' },
    RootFS: { Type: 'layers', Layers: diffIds },
    Metadata: { LastTagTime: lastTag ? rfc3339Nano(lastTag) : '0001-01-01T00:00:00Z' },
    Descriptor: { mediaType: manifestDescriptor.mediaType, digest: manifestDescriptor.digest, size: manifestDescriptor.size },
    Layers: manifest.layers.map<InspectLayer>((l, i) => ({ Digest: l.digest, DiffID: diffIds[i] ?? '', Size: l.size, MediaType: l.mediaType })),
  };
  // Docker's template sees these struct fields even when JSON omits them ({{.Variant}} prints "").
  for (const field of ['Variant', 'OsVersion']) {
    if (!(field in out)) Object.defineProperty(out, field, { value: '', enumerable: false });
  }
  return out;
}

/**
 * Go's RFC3339Nano rendering of a stored time: the fraction as stored, trailing zeros dropped, the
 * zone kept; what Go would not parse is shown as stored.
 */
export function rfc3339Nano(text: string): string {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/i.exec(text);
  if (!m) return text;
  const fraction = (m[2] ?? '').slice(0, 9).replace(/0+$/, '');
  const zone = m[3]!.toUpperCase() === 'Z' || m[3] === '+00:00' ? 'Z' : m[3]!;
  return `${m[1]}${fraction ? `.${fraction}` : ''}${zone}`;
}

function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Docker prints every field of the container config, with its zero value when unset. */
function dockerConfig(c: ContainerConfig | undefined): Record<string, unknown> {
  const cfg = c ?? {};
  return {
    Hostname: '',
    Domainname: '',
    User: cfg.User ?? '',
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    ...(cfg.ExposedPorts ? { ExposedPorts: cfg.ExposedPorts } : {}),
    Tty: false,
    OpenStdin: false,
    StdinOnce: false,
    Env: cfg.Env ?? null,
    Cmd: cfg.Cmd ?? null,
    ...(cfg.Healthcheck ? { Healthcheck: cfg.Healthcheck } : {}),
    ...(cfg.ArgsEscaped ? { ArgsEscaped: true } : {}),
    Image: '',
    Volumes: cfg.Volumes ?? null,
    WorkingDir: cfg.WorkingDir ?? '',
    Entrypoint: cfg.Entrypoint ?? null,
    OnBuild: cfg.OnBuild ?? null,
    Labels: cfg.Labels ?? null,
    ...(cfg.StopSignal ? { StopSignal: cfg.StopSignal } : {}),
    ...(cfg.Shell ? { Shell: cfg.Shell } : {}),
  };
}

export interface HistoryRow {
  /** The image ID on the newest step, `<missing>` below it, as Docker shows pulled images. */
  id: string;
  created?: string;
  createdBy: string;
  /** Bytes of the layer the step made (0 for empty-layer steps). */
  size: number;
  comment: string;
  emptyLayer: boolean;
  layerDigest?: string;
}

/**
 * History newest first, each non-empty step paired with its layer in order. `layerSizes` (Docker's
 * per-layer sizes, contentSizes.ts) in manifest order; without them, the stored blob sizes.
 */
export function historyRows(record: ImageRecord, image: LoadedImage, layerSizes?: readonly number[]): HistoryRow[] {
  const layers = image.manifest.layers;
  const history: HistoryEntry[] = image.config.history?.length
    ? image.config.history
    : layers.map(() => (image.config.created ? { created: image.config.created } : {}));
  let layerIndex = 0;
  const rows: HistoryRow[] = history.map((h) => {
    const empty = h.empty_layer === true;
    const index = empty ? -1 : layerIndex++;
    const layer = layers[index];
    return {
      id: '<missing>',
      ...(h.created ? { created: h.created } : {}),
      createdBy: h.created_by ?? '',
      size: layer ? (layerSizes?.[index] ?? layer.size) : 0,
      comment: h.comment ?? '',
      emptyLayer: empty,
      ...(layer ? { layerDigest: layer.digest } : {}),
    };
  });
  rows.reverse();
  if (rows[0]) rows[0].id = record.id;
  return rows;
}

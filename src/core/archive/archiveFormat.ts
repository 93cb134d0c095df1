// The files of an image archive, as `docker save` (classic and 25+), podman, skopeo and Stevedore
// write them: Docker's manifest.json and repositories, and an OCI image layout beside them.

import { StevedoreError } from '../errors';

export const DOCKER_MANIFEST_FILE = 'manifest.json';
export const REPOSITORIES_FILE = 'repositories';
export const OCI_INDEX_FILE = 'index.json';
export const OCI_LAYOUT_FILE = 'oci-layout';
export const OCI_LAYOUT_CONTENT = '{"imageLayoutVersion":"1.0.0"}';

/** One image in manifest.json. Paths are relative to the archive root. */
export interface DockerArchiveItem {
  Config: string;
  /** Docker writes null for an image saved by ID. */
  RepoTags: string[] | null;
  Layers: string[];
  Parent?: string;
  LayerSources?: Record<string, unknown>;
}

/** `repositories`: familiar repository name → tag → hex ID, read only by very old loaders. */
export type LegacyRepositories = Record<string, Record<string, string>>;

/** Checks manifest.json's shape, so that later steps can trust its types. */
export function parseDockerManifest(value: unknown, what: string): DockerArchiveItem[] {
  const bad = (why: string): StevedoreError =>
    new StevedoreError('INVALID_ARCHIVE', `${what}: manifest.json is not a valid image manifest list (${why}). Nothing was loaded.`);
  if (!Array.isArray(value)) throw bad('expected a JSON array');
  return value.map((item: unknown, i) => {
    if (!item || typeof item !== 'object') throw bad(`item ${i} is not an object`);
    const { Config, RepoTags, Layers } = item as Record<string, unknown>;
    if (typeof Config !== 'string' || Config === '') throw bad(`item ${i} has no Config`);
    if (!Array.isArray(Layers) || Layers.some((l) => typeof l !== 'string')) throw bad(`item ${i} has no list of Layers`);
    if (RepoTags !== undefined && RepoTags !== null && (!Array.isArray(RepoTags) || RepoTags.some((t) => typeof t !== 'string'))) {
      throw bad(`item ${i} has RepoTags that are not a list of strings`);
    }
    return { Config, RepoTags: (RepoTags as string[] | null | undefined) ?? null, Layers: Layers as string[] };
  });
}

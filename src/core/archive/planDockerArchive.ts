// Works out the images of an archive that has Docker's manifest.json: classic `docker save`
// (<id>/layer.tar), Docker 25+ (blobs/sha256/…, with symlinks from the old paths), podman and skopeo
// docker-archive (<diffID>.tar), go-containerregistry (<digest>.tar.gz) and Stevedore's own. When
// the archive also carries an OCI layout (the dual format), the OCI manifest of an image is kept
// byte for byte if it describes exactly the same config and layers, so its digest survives a
// save/load round trip.

import { StevedoreError } from '../errors';
import { isManifestMediaType } from '../image/mediaTypes';
import type { Descriptor, ImageIndex, ImageManifest } from '../image/types';
import type { BlobStore } from '../store/blobStore';
import { normaliseArchivePath } from './archivePaths';
import { DOCKER_MANIFEST_FILE, OCI_INDEX_FILE, parseDockerManifest } from './archiveFormat';
import { buildManifest, checkImageConfig, checkLayers, imageLabel, refsFromRepoTags, type PlannedImage } from './archiveImagePlan';
import { findBlob, findFile, readJsonFile, type ArchiveContents } from './readArchive';
import type { StagedFile } from './stagedFile';

export async function planDockerArchive(blobs: BlobStore, contents: ArchiveContents): Promise<PlannedImage[]> {
  const { what } = contents;
  const manifestFile = contents.files.get(DOCKER_MANIFEST_FILE)!;
  const items = parseDockerManifest((await readJsonFile<unknown>(blobs, contents, manifestFile, 'the manifest list')).value, what);
  if (items.length === 0) {
    throw new StevedoreError('INVALID_ARCHIVE', `${what}: manifest.json lists no images. Nothing was loaded.`);
  }
  const ociManifests = await ociManifestsOf(blobs, contents);
  const pathIn = (p: string): string => normaliseArchivePath(p, `${what}'s manifest.json`);

  const planned: PlannedImage[] = [];
  for (const item of items) {
    const configFile = await findFile(contents, pathIn(item.Config));
    if (!configFile) {
      throw new StevedoreError('INVALID_ARCHIVE', `${what}: manifest.json names the config "${item.Config}", but the archive has no such file. The archive is incomplete; nothing was loaded.`);
    }
    checkConfigName(item.Config, configFile, what);
    const configValue = checkImageConfig((await readJsonFile<unknown>(blobs, contents, configFile, 'the image config')).value, what, configFile.path);
    const refs = refsFromRepoTags(item.RepoTags, what);
    const label = imageLabel(refs, configFile.digest);
    const layers: StagedFile[] = [];
    for (const layerPath of item.Layers) {
      const file = await findFile(contents, pathIn(layerPath));
      if (!file) {
        throw new StevedoreError('INVALID_ARCHIVE', `${what}: manifest.json names layer "${layerPath}" for ${label}, but the archive has no such file. The archive is incomplete; nothing was loaded.`);
      }
      layers.push(file);
    }
    checkLayers(layers, configValue, label, what, false);
    const reusable = ociManifests.find((m) => sameImage(m.manifest, configFile, layers));
    const manifest = reusable ? { descriptor: reusable.descriptor, file: reusable.file } : buildManifest(configFile, layers, configValue);
    planned.push({ refs, config: configFile, configValue, layers, manifest });
  }
  return planned;
}

/** docker save names configs <image ID hex>.json; a name that is a digest must be the content's. */
function checkConfigName(name: string, file: StagedFile, what: string): void {
  const match = /(?:^|\/)(?:sha256:)?([a-f0-9]{64})(?:\.json)?$/.exec(name);
  if (match && `sha256:${match[1]}` !== file.digest) {
    throw new StevedoreError(
      'DIGEST_MISMATCH',
      `${what}: the config "${name}" does not match its name: its content hashes to ${file.digest}, so the image ID would be wrong. The archive is corrupt or was tampered with; nothing was loaded.`,
    );
  }
}

interface OciManifestCandidate {
  descriptor: Descriptor;
  file: StagedFile;
  manifest: ImageManifest;
}

/** The image manifests an OCI index beside manifest.json points at, when they are in the archive. */
async function ociManifestsOf(blobs: BlobStore, contents: ArchiveContents): Promise<OciManifestCandidate[]> {
  const indexFile = contents.files.get(OCI_INDEX_FILE);
  if (!indexFile) return [];
  let index: ImageIndex;
  try {
    index = (await readJsonFile<ImageIndex>(blobs, contents, indexFile, 'the OCI index')).value;
  } catch {
    return []; // manifest.json is what Docker reads; a broken index beside it does not matter
  }
  const out: OciManifestCandidate[] = [];
  for (const descriptor of Array.isArray(index?.manifests) ? index.manifests : []) {
    if (!descriptor || typeof descriptor.digest !== 'string' || !isManifestMediaType(descriptor.mediaType)) continue;
    const file = await findBlob(contents, descriptor.digest);
    if (!file || file.digest !== descriptor.digest || file.size !== descriptor.size) continue;
    const manifest = await readJsonFile<ImageManifest>(blobs, contents, file, 'the image manifest').then((r) => r.value, () => null);
    if (!manifest?.config || !Array.isArray(manifest.layers)) continue;
    const { annotations: _annotations, ...plain } = descriptor;
    out.push({ descriptor: plain, file, manifest });
  }
  return out;
}

function sameImage(manifest: ImageManifest, config: StagedFile, layers: readonly StagedFile[]): boolean {
  return (
    manifest.config.digest === config.digest &&
    manifest.config.size === config.size &&
    manifest.layers.length === layers.length &&
    manifest.layers.every((l, i) => l.digest === layers[i]!.digest && l.size === layers[i]!.size)
  );
}

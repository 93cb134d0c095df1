// A registry as an image source and target (skopeo's docker:// transport). As a source, a reference
// goes through the pull's resolve and verify stages (pullResolve.ts, pullVerify.ts: the trust
// policy judges the digest before any blob is read) and becomes a remote `Image` (remoteImage.ts).
// As a target, an image from anywhere is pushed blob by blob through the push's own blob path
// (pushBlob.ts): what the repository has (HEAD) is skipped and reported as `exists`, a blob the
// image knows another repository of the same registry holds (Image.blobSources: the repository a
// registry's image was read from, the sources the store remembers) is mounted from there, a layer
// kept uncompressed (an engine's export, a docker-archive) is gzip-compressed on the way as docker
// push does, and the manifest goes last, so a failed or cancelled copy never leaves a tag pointing
// at an incomplete image.

import { Readable } from 'node:stream';
import { sha256Digest } from '../digest';
import { StevedoreError, throwIfAborted } from '../errors';
import type { Image } from '../image/image';
import type { Descriptor, ImageManifest } from '../image/types';
import { formatReference, parseReference, repositoryName, tryParseReference, type ImageReference } from '../reference/reference';
import { repositoryScope } from '../registry/bearerTokens';
import { fetchManifest, putManifest } from '../registry/manifests';
import { listTags } from '../registry/pagedLists';
import { pushBlob } from '../registry/pushBlob';
import { resolvePull } from '../registry/pullResolve';
import { verifyPull, type PullVerifyStage } from '../registry/pullVerify';
import type { RegistryClient } from '../registry/registryClient';
import type { RegistryClients } from '../registry/registryClients';
import { DEFAULT_CONCURRENCY } from '../registry/registryOptions';
import { runLimited } from '../registry/runLimited';
import type { GetOptions, ImageSource, ImageTarget, ListedImage, OpenedImage, PutOptions, PutResult } from './imageSource';
import { familiar } from './sourceNames';
import { remoteImage } from './remoteImage';

export interface RegistrySourceOptions {
  /** The pull's verify stage (trust/contentTrust.ts); without it nothing is checked but digests. */
  verify?: PullVerifyStage;
  /** Blobs sent at once (default 4). */
  concurrency?: number;
  /** The reference the source stands for ("localhost:5000/app:1"), so messages name its registry and repository. */
  reference?: string;
}

export class RegistrySource implements ImageSource, ImageTarget {
  readonly kind = 'registry';

  constructor(
    readonly clients: RegistryClients,
    readonly options: RegistrySourceOptions = {},
  ) {}

  describe(): string {
    const ref = this.options.reference ? tryParseReference(this.options.reference) : null;
    return ref ? `the registry ${ref.domain} (repository ${ref.path})` : 'the registry';
  }

  async list(options: { scope?: string; signal?: AbortSignal } = {}): Promise<ListedImage[]> {
    if (!options.scope) throw new StevedoreError('INVALID_ARGUMENT', 'Name the repository whose tags to list: docker://REGISTRY/REPOSITORY.');
    const ref = parseReference(options.scope, { defaultTag: false });
    const tags = await listTags(this.clients.for(ref.domain), ref.path, options.signal ? { signal: options.signal } : {});
    return tags.map((tag) => ({ names: [formatReference({ domain: ref.domain, path: ref.path, tag })] }));
  }

  async get(ref: string | undefined, options: GetOptions = {}): Promise<OpenedImage> {
    const parsed = parseReference(requireName(ref));
    const resolved = await resolvePull(this.clients.for(parsed.domain), parsed, options.signal);
    const verified = await verifyPull(resolved, this.options.verify, options.signal);
    const image = await remoteImage(verified, { ...(options.platform ? { platform: options.platform } : {}), ...(options.signal ? { signal: options.signal } : {}) });
    return { image, names: verified.reference.digest ? [] : [verified.fullRef], resolvedDigest: verified.manifestDigest, repoDigest: `${repositoryName(verified.reference)}@${verified.manifestDigest}`, close: async () => undefined };
  }

  async has(image: Pick<Image, 'manifest'>, refs: readonly string[], signal?: AbortSignal): Promise<boolean> {
    if (refs.length === 0) return false;
    for (const full of refs) {
      const ref = parseReference(full);
      const served = await this.served(ref, signal);
      if (served?.kind !== 'manifest' || served.manifest.config.digest !== image.manifest.config.digest) return false;
    }
    return true;
  }

  /** Only called once `has` found the image under every name already: nothing is left to do. */
  async tag(_id: string, refs: readonly string[]): Promise<string[]> {
    return refs.map(familiar);
  }

  async remove(name: string, signal?: AbortSignal): Promise<void> {
    const ref = parseReference(name);
    const client = this.clients.for(ref.domain);
    const served = await this.served(ref, signal);
    if (!served) throw new StevedoreError('IMAGE_NOT_FOUND', `${familiar(formatReference(ref))} is not in the registry.`);
    const res = await client.request({ method: 'DELETE', url: `/v2/${ref.path}/manifests/${served.digest}`, scopes: [repositoryScope(ref.path, 'pull,push')], ...(signal ? { signal } : {}) });
    await res.body.dump().catch(() => undefined);
    if (res.status !== 202 && res.status !== 200) throw await client.errorFrom(res, `the manifest of ${familiar(formatReference(ref))}`);
  }

  async put(image: Image, refs: readonly string[], options: PutOptions = {}): Promise<PutResult> {
    if (refs.length === 0) throw new StevedoreError('INVALID_ARGUMENT', 'Name the image in the registry: docker://REGISTRY/REPOSITORY[:TAG].');
    let digest = '';
    for (const full of refs) {
      const ref = parseReference(full);
      if (ref.digest) throw new StevedoreError('INVALID_REFERENCE', `cannot push to a digest reference ("${familiar(full)}"); name a tag.`);
      digest = await this.push(this.clients.for(ref.domain), ref, image, options);
    }
    return { id: image.manifest.config.digest, names: refs.map(familiar), digest };
  }

  /** The manifest `ref` names in its registry, or undefined when there is none. */
  private async served(ref: ImageReference, signal?: AbortSignal): Promise<Awaited<ReturnType<typeof fetchManifest>> | undefined> {
    try {
      return await fetchManifest(this.clients.for(ref.domain), { repository: ref.path, reference: ref.digest ?? ref.tag ?? 'latest', display: familiar(formatReference(ref)) }, signal);
    } catch (err) {
      if (err instanceof StevedoreError && (err.code === 'MANIFEST_UNKNOWN' || err.code === 'NAME_UNKNOWN' || err.code === 'IMAGE_NOT_FOUND')) return undefined;
      throw err;
    }
  }

  private async push(client: RegistryClient, ref: ImageReference, image: Image, options: PutOptions): Promise<string> {
    const { signal } = options;
    const emit = options.onEvent ?? (() => undefined);
    const repository = ref.path;
    const configBytes = await image.rawConfig();
    const unique = image.layers.filter((l, i, all) => all.findIndex((x) => x.descriptor.digest === l.descriptor.digest) === i);
    for (const layer of unique) emit({ kind: 'layer', id: layer.descriptor.digest, state: 'queued', current: 0, total: layer.descriptor.size });
    const blobs: BlobToPushLater[] = [
      { descriptor: image.manifest.config, isLayer: false, open: () => Readable.from([configBytes]) },
      ...unique.map((layer) => ({ descriptor: layer.descriptor, isLayer: true, open: (blobSignal: AbortSignal) => Readable.from(layer.compressed({ signal: blobSignal })) })),
    ];
    const pushed = new Map<string, Descriptor>();
    await runLimited(blobs, this.options.concurrency ?? DEFAULT_CONCURRENCY, signal, async (blob, _i, blobSignal) => {
      const { digest } = blob.descriptor;
      const sent = await pushBlob(
        client,
        repository,
        { descriptor: blob.descriptor, isLayer: blob.isLayer, sources: (await image.blobSources?.(digest)) ?? [], open: () => blob.open(blobSignal) },
        {
          signal: blobSignal,
          // The bytes a layer sends are reported by copy as it reads them; only what moves no bytes is reported here.
          onState: (state, current, total, from) => {
            if (blob.isLayer && (state === 'exists' || state === 'mounted')) emit({ kind: 'layer', id: digest, state, current, total, ...(from ? { from } : {}) });
          },
        },
      );
      pushed.set(digest, sent.descriptor);
    });
    throwIfAborted(signal);
    const layers = image.manifest.layers.map((l) => pushed.get(l.digest)!);
    const changed = layers.some((l, i) => l.digest !== image.manifest.layers[i]!.digest);
    const bytes = changed ? Buffer.from(JSON.stringify({ ...image.manifest, layers } satisfies ImageManifest, null, 3)) : await image.rawManifest();
    const mediaType = image.manifestDescriptor.mediaType ?? image.manifest.mediaType ?? 'application/vnd.oci.image.manifest.v1+json';
    await putManifest(client, repository, ref.tag ?? 'latest', bytes, mediaType, signal);
    return sha256Digest(bytes);
  }
}

/** A blob of the image to push, its bytes opened with the signal of the task that sends it. */
interface BlobToPushLater {
  descriptor: Descriptor;
  isLayer: boolean;
  open(signal: AbortSignal): Readable;
}

function requireName(ref: string | undefined): string {
  if (!ref) throw new StevedoreError('INVALID_ARGUMENT', 'Name the image in the registry: docker://REGISTRY/REPOSITORY[:TAG].');
  return ref;
}

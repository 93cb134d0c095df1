// Fetching the signatures of a manifest, before anything of the image is stored:
// - simple signatures from a registries.d lookaside: BASE/PATH@sha256=HEX/signature-1, -2, … over
//   file:// or http(s)://, until the first one that does not exist (c/image's rule);
// - Sigstore signatures attached in the registry as the `sha256-<hex>.sig` tag, whose layers are
//   the payloads (read only where registries.d says use-sigstore-attachments, as c/image does).
// Everything is read into memory with a size cap; a signature is small.

import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { sha256Digest } from '../digest';
import { CancelledError, StevedoreError, throwIfAborted } from '../errors';
import type { ImageManifest } from '../image/types';
import { repositoryScope } from '../registry/bearerTokens';
import { trustingDispatcher } from '../registry/dispatchers';
import { fetchManifest } from '../registry/manifests';
import type { ProxySettings } from '../registry/proxySettings';

/** How a lookaside is reached: proxy settings, extra CAs (RegistryOptions.extraCaFile), cancel. */
interface LookasideAccess {
  proxy?: ProxySettings;
  extraCaFile?: string;
  signal?: AbortSignal;
}
import type { RegistryClient } from '../registry/registryClient';
import type { ImageReference } from '../reference/reference';
import { COSIGN_PAYLOAD_MEDIA_TYPE, COSIGN_SIGNATURE_ANNOTATION } from './cosignSignature';
import { lookasideSignatureUrl } from './registriesD';

const MAX_SIGNATURE_BYTES = 4 * 1024 * 1024;
/** c/image has no limit; a hostile lookaside must not keep us reading forever. */
const MAX_SIGNATURES = 128;

export interface LookasideSignature {
  /** Where it was read: the URL. */
  source: string;
  bytes: Buffer;
}

export async function readLookasideSignatures(base: string, ref: ImageReference, manifestDigest: string, options: LookasideAccess): Promise<LookasideSignature[]> {
  const found: LookasideSignature[] = [];
  for (let n = 1; n <= MAX_SIGNATURES; n++) {
    throwIfAborted(options.signal);
    const url = lookasideSignatureUrl(base, ref, manifestDigest, n);
    const bytes = url.protocol === 'file:' ? await readFileSignature(url) : await readHttpSignature(url, options);
    if (!bytes) break;
    found.push({ source: url.href, bytes });
  }
  return found;
}

async function readFileSignature(url: URL): Promise<Buffer | undefined> {
  try {
    const bytes = await readFile(fileURLToPath(url));
    if (bytes.length > MAX_SIGNATURE_BYTES) throw tooBig(url);
    return bytes;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if (err instanceof StevedoreError) throw err;
    throw new StevedoreError('IO_ERROR', `Cannot read the signature ${url.href}: ${(err as Error).message}`, { cause: err });
  }
}

async function readHttpSignature(url: URL, options: LookasideAccess): Promise<Buffer | undefined> {
  const agent = await trustingDispatcher(url, options.proxy, options.extraCaFile);
  try {
    const res = await agent.request({ origin: url.origin, path: `${url.pathname}${url.search}`, method: 'GET', headers: { 'user-agent': 'stevedore' }, signal: options.signal ?? null });
    if (res.statusCode === 404) {
      await res.body.dump().catch(() => undefined);
      return undefined;
    }
    if (res.statusCode !== 200) {
      await res.body.dump().catch(() => undefined);
      throw new StevedoreError('REGISTRY_ERROR', `Reading the signature ${url.href} failed: HTTP ${res.statusCode}. Check the lookaside server named in registries.d.`, {
        temporary: res.statusCode >= 500 || res.statusCode === 429,
        detail: { status: res.statusCode },
      });
    }
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of res.body) {
      total += (chunk as Buffer).length;
      if (total > MAX_SIGNATURE_BYTES) throw tooBig(url);
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks);
  } catch (err) {
    if (options.signal?.aborted) throw new CancelledError();
    if (err instanceof StevedoreError) throw err;
    throw new StevedoreError('NETWORK_ERROR', `Could not read the signature ${url.href} (${(err as Error).message}). Check that the lookaside server named in registries.d is up.`, { cause: err, temporary: true });
  } finally {
    await agent.close().catch(() => undefined);
  }
}

export interface AttachedSignature {
  /** Where it was read: "REPO:sha256-HEX.sig, layer N". */
  source: string;
  payload: Buffer;
  /** The annotation's value, decoded; undefined when the layer has none (reported as malformed). */
  signature: Buffer | undefined;
}

/** The tag cosign and c/image attach a manifest's signatures under. */
export function sigstoreSignatureTag(manifestDigest: string): string {
  return `${manifestDigest.replace(':', '-')}.sig`;
}

export async function readSigstoreAttachments(client: RegistryClient, ref: ImageReference, manifestDigest: string, signal?: AbortSignal): Promise<AttachedSignature[]> {
  const tag = sigstoreSignatureTag(manifestDigest);
  const display = `${ref.domain}/${ref.path}:${tag}`;
  let manifest: ImageManifest;
  try {
    const fetched = await fetchManifest(client, { repository: ref.path, reference: tag, display }, signal);
    if (fetched.kind !== 'manifest') return [];
    manifest = fetched.manifest;
  } catch (err) {
    if (err instanceof StevedoreError && (err.code === 'MANIFEST_UNKNOWN' || err.code === 'IMAGE_NOT_FOUND' || err.code === 'NAME_UNKNOWN')) return [];
    throw err;
  }
  const found: AttachedSignature[] = [];
  for (const [i, layer] of (manifest.layers ?? []).slice(0, MAX_SIGNATURES).entries()) {
    if (layer.mediaType !== COSIGN_PAYLOAD_MEDIA_TYPE) continue;
    const source = `${display}, layer ${i + 1}`;
    if (!Number.isSafeInteger(layer.size) || layer.size > MAX_SIGNATURE_BYTES) throw new StevedoreError('REGISTRY_ERROR', `The signature ${source} is larger than 4 MiB; refusing it.`);
    const payload = await fetchSmallBlob(client, ref.path, layer.digest, layer.size, signal);
    const annotation = layer.annotations?.[COSIGN_SIGNATURE_ANNOTATION];
    found.push({ source, payload, signature: typeof annotation === 'string' ? Buffer.from(annotation, 'base64') : undefined });
  }
  return found;
}

export async function fetchSmallBlob(client: RegistryClient, repository: string, digest: string, size: number, signal?: AbortSignal): Promise<Buffer> {
  const res = await client.request({ method: 'GET', url: `/v2/${repository}/blobs/${digest}`, scopes: [repositoryScope(repository, 'pull')], ...(signal ? { signal } : {}) });
  if (res.status !== 200) throw await client.errorFrom(res, `signature blob ${digest}`);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of res.body) {
    total += chunk.length;
    if (total > size) {
      res.body.destroy();
      break;
    }
    chunks.push(Buffer.from(chunk));
  }
  const bytes = Buffer.concat(chunks);
  if (bytes.length !== size || sha256Digest(bytes) !== digest) {
    throw new StevedoreError('DIGEST_MISMATCH', `The registry sent a signature blob that does not match ${digest}; nothing was stored.`);
  }
  return bytes;
}

function tooBig(url: URL): StevedoreError {
  return new StevedoreError('REGISTRY_ERROR', `The signature ${url.href} is larger than 4 MiB; it cannot be a signature.`);
}

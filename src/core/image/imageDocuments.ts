// The one place where the JSON of image manifests, indexes and configs becomes typed values. Every
// reader (store, archives, registries, engines' exports) decodes through here, so a document that
// lacks what the code relies on is refused with a message naming where it came from, instead of
// being cast and failing later as "cannot read properties of undefined".

import { tryParseDigest } from '../digest';
import { StevedoreError, type ErrorCode } from '../errors';
import { isIndexMediaType, isManifestMediaType, MediaType } from './mediaTypes';
import type { Descriptor, ImageConfig, ImageIndex, ImageManifest } from './types';

/** Where a document came from, for messages, and the error code a malformed one gets there. */
export interface DocumentSource {
  /** "Manifest sha256:… in the store", "The manifest for localhost:5000/app:1.0". */
  what: string;
  /** STORE_CORRUPT for the store, REGISTRY_ERROR for a registry, INVALID_ARCHIVE for an archive. */
  code: ErrorCode;
  /** What the reader can do about it, appended to the message. */
  advice?: string;
}

export type ImageDocument = { kind: 'manifest'; mediaType: string; manifest: ImageManifest } | { kind: 'index'; mediaType: string; index: ImageIndex };

type Json = Record<string, unknown>;

/** Parses JSON bytes that must hold an object. */
export function decodeJsonObject(bytes: Uint8Array, source: DocumentSource): Json {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch (err) {
    throw malformed(source, `is not valid JSON (${(err as Error).message})`, err);
  }
  if (!isObject(value)) throw malformed(source, 'is not a JSON object');
  return value;
}

/**
 * Decodes a manifest or an index, settling its media type from the transport's (a Content-Type
 * header, a descriptor) or the document's own, or, as OCI allows it to be absent, from its fields.
 */
export function decodeImageDocument(bytes: Uint8Array, source: DocumentSource, declaredMediaType?: string): ImageDocument {
  const doc = decodeJsonObject(bytes, source);
  const own = typeof doc.mediaType === 'string' ? doc.mediaType : undefined;
  if (doc.schemaVersion === 1 || declaredMediaType === MediaType.dockerManifestV1 || declaredMediaType === MediaType.dockerManifestV1Signed) {
    throw new StevedoreError(
      'UNSUPPORTED',
      `${source.what} is a Docker schema 1 manifest, which Stevedore does not support (Docker dropped it too). Push the image again with a current tool to get a schema 2 or OCI manifest.`,
    );
  }
  let mediaType = [declaredMediaType, own].find((t) => isIndexMediaType(t) || isManifestMediaType(t));
  if (!mediaType) {
    if (Array.isArray(doc.manifests)) mediaType = MediaType.ociIndex;
    else if (doc.config !== undefined && Array.isArray(doc.layers)) mediaType = MediaType.ociManifest;
  }
  if (!mediaType) {
    throw new StevedoreError('UNSUPPORTED', `${source.what} has a media type Stevedore does not know (${declaredMediaType || own || 'none'}).`);
  }
  if (isIndexMediaType(mediaType)) return { kind: 'index', mediaType, index: checkIndex(doc, source) };
  return { kind: 'manifest', mediaType, manifest: checkManifest(doc, source) };
}

export function decodeManifest(bytes: Uint8Array, source: DocumentSource, declaredMediaType?: string): ImageManifest {
  const doc = decodeImageDocument(bytes, source, declaredMediaType);
  if (doc.kind !== 'manifest') throw malformed(source, 'is an index of images, not an image manifest');
  return doc.manifest;
}

export function decodeIndex(bytes: Uint8Array, source: DocumentSource): ImageIndex {
  return checkIndex(decodeJsonObject(bytes, source), source);
}

/** Decodes an image config: it must name os and architecture and list its layers' diffIDs. */
export function decodeConfig(bytes: Uint8Array, source: DocumentSource): ImageConfig {
  return checkConfig(decodeJsonObject(bytes, source), source);
}

export function checkConfig(doc: unknown, source: DocumentSource): ImageConfig {
  if (!isObject(doc)) throw malformed(source, 'is not a JSON object');
  const rootfs = doc.rootfs;
  const diffIds = isObject(rootfs) ? rootfs.diff_ids : undefined;
  if (typeof doc.os !== 'string' || typeof doc.architecture !== 'string' || !Array.isArray(diffIds)) {
    throw malformed(source, 'is not an image config (it needs os, architecture and rootfs.diff_ids)');
  }
  diffIds.forEach((d, i) => {
    if (typeof d !== 'string' || !tryParseDigest(d)) throw malformed(source, `has diffID ${i} ${JSON.stringify(d)}, which is not a digest`);
  });
  if (doc.config !== undefined && doc.config !== null && !isObject(doc.config)) throw malformed(source, 'has a "config" that is not an object');
  if (doc.history !== undefined && doc.history !== null && !(Array.isArray(doc.history) && doc.history.every(isObject))) {
    throw malformed(source, 'has a "history" that is not a list of steps');
  }
  return doc as ImageConfig;
}

function checkManifest(doc: Json, source: DocumentSource): ImageManifest {
  if (!isObject(doc.config) || !Array.isArray(doc.layers)) throw malformed(source, 'has no config or layers');
  checkDescriptor(doc.config, source, 'its config');
  doc.layers.forEach((layer, i) => checkDescriptor(layer, source, `layer ${i}`));
  return doc as unknown as ImageManifest;
}

function checkIndex(doc: Json, source: DocumentSource): ImageIndex {
  if (!Array.isArray(doc.manifests)) throw malformed(source, 'lists no manifests');
  doc.manifests.forEach((entry, i) => checkDescriptor(entry, source, `entry ${i}`));
  return doc as unknown as ImageIndex;
}

/** A descriptor's digest names a file in the store, so it must be a digest and nothing else. */
export function checkDescriptor(value: unknown, source: DocumentSource, where: string): Descriptor {
  if (!isObject(value)) throw malformed(source, `has ${where} that is not a descriptor`);
  if (typeof value.digest !== 'string' || !tryParseDigest(value.digest)) {
    throw malformed(source, `has ${where} with digest ${JSON.stringify(value.digest)}, which is not a digest`);
  }
  if (typeof value.size !== 'number' || !Number.isSafeInteger(value.size) || value.size < 0) {
    throw malformed(source, `has ${where} with size ${JSON.stringify(value.size)}, which is not a byte count`);
  }
  if (value.mediaType !== undefined && typeof value.mediaType !== 'string') throw malformed(source, `has ${where} with a media type that is not a string`);
  return value as unknown as Descriptor;
}

function malformed(source: DocumentSource, problem: string, cause?: unknown): StevedoreError {
  const advice = source.advice ? ` ${source.advice}` : '';
  return new StevedoreError(source.code, `${source.what} ${problem}.${advice}`, cause === undefined ? {} : { cause });
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// What the rest of the core may do with content-addressed blobs, after containerd's content.Store:
// look a blob up, read it, write one through a verifying ingest, delete one, walk them all. Nothing
// here hands out a file path: code written against this interface works on any implementation
// (the file-system one is blobStore.ts), and the contract suite in test/helpers/contentStoreContract.ts
// says what every implementation must do.

import type { Readable } from 'node:stream';
import type { BufferPool } from './bufferPool';
import type { IngestReceiver } from './ingestReceiver';
import type { Lease } from './leases';

export interface BlobInfo {
  digest: string;
  size: number;
}

export interface ExpectedBlob {
  digest?: string;
  size?: number;
}

export interface CommitResult extends BlobInfo {
  /** True when the blob was already there and nothing was written. */
  existed: boolean;
}

export interface StreamOptions {
  signal?: AbortSignal;
  /** Called with the total number of bytes received so far. */
  onProgress?: (bytes: number) => void;
}

/** One blob being written: hashed and counted as it arrives, placed under its digest only when verified. */
export interface ContentIngest {
  readonly bytes: number;
  write(chunk: Uint8Array): Promise<void>;
  writev(chunks: readonly Uint8Array[]): Promise<void>;
  /** A receiver that lets a download read straight into large buffers (ingestReceiver.ts). */
  receiver(pool: BufferPool, onProgress?: (bytes: number) => void): Promise<IngestReceiver>;
  /** Verifies size and digest and makes the bytes durable, without placing the blob yet. */
  seal(): Promise<BlobInfo>;
  /** Verifies and places the blob under its digest. */
  commit(): Promise<CommitResult>;
  /** Throws the bytes away; safe after commit and more than once. */
  abort(): Promise<void>;
}

export interface ContentStore {
  has(digest: string): Promise<boolean>;
  /** The blob's size, or null when it is not there. */
  info(digest: string): Promise<BlobInfo | null>;
  /** Streams a blob from `start`; a missing blob fails the stream with BLOB_NOT_FOUND. */
  reader(digest: string, options?: { start?: number; signal?: AbortSignal; highWaterMark?: number }): Readable;
  /** Reads a small blob (manifest, config) whole, refusing anything larger than `maxBytes`. */
  readSmall(digest: string, maxBytes?: number): Promise<Buffer>;
  /** Starts writing a blob; with a lease, the digest is leased before the blob appears. */
  ingest(expected?: ExpectedBlob, lease?: Lease): Promise<ContentIngest>;
  writeStream(source: AsyncIterable<Uint8Array>, expected?: ExpectedBlob, options?: StreamOptions, lease?: Lease): Promise<CommitResult>;
  writeBytes(data: Uint8Array | string, expected?: ExpectedBlob, lease?: Lease): Promise<CommitResult>;
  delete(digest: string): Promise<void>;
  /** Every blob there is, in no particular order. */
  walk(): AsyncIterable<BlobInfo>;
}

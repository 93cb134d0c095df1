// The one shape in which every operation that moves image content reports its progress: pull,
// push, save, load, copy between sources, verify and the layers a build writes. Plain data: the CLI
// draws Docker's per-layer lines from it, the extension its Transfers view and notification. Each
// layer is named by `id`: its digest when known before it moves, else the archive entry's name (an
// archive read as a stream names its layers by path: "blobs/sha256/<hex>", "<id>/layer.tar"), or
// for a layer a build writes, its step ("step 3"), since its digest exists only once written. It moves through
// `queued → [waiting] → transferring ⇄ resuming → verifying → done`, or ends at once as `exists` or
// `mounted` when the target already has it. `current`/`total` are bytes of that layer as it moves
// (compressed or not, as the operation transfers it); `total` is 0 when not known yet.
// Operations nest: a build's base image is pulled inside it, so a `start` of 'pull' and its `end`
// bracket that pull's own layer events within the build's, and a consumer words them as a pull.

export type TransferOperation = 'pull' | 'push' | 'save' | 'load' | 'copy' | 'verify' | 'build';

export type LayerState =
  /** Listed, not started ("Pulling fs layer", "Preparing"). */
  | 'queued'
  /** Started but held behind other layers ("Waiting"). */
  | 'waiting'
  /** The target has it already: nothing moves ("Already exists", "Layer already exists"). */
  | 'exists'
  /** Mounted from another repository of the same registry (`from` names it). */
  | 'mounted'
  /** Bytes are moving: downloading, pushing, loading, reading, writing. */
  | 'transferring'
  /** The transfer broke off and goes on from `current`. */
  | 'resuming'
  /** All bytes are in; the digest is being checked and the content committed. */
  | 'verifying'
  | 'done';

export type TransferEvent =
  /** What starts moving: `reference` is the full reference (or what the user named), `tag` Docker's "latest: Pulling from …". */
  | { kind: 'start'; operation: TransferOperation; reference: string; repository?: string; tag?: string }
  | { kind: 'layer'; id: string; state: LayerState; current: number; total: number; from?: string }
  /**
   * The operation as a whole: the bytes of a transfer that knows no layers (an archive written or
   * streamed; `total` 0 when not known), or of all a verify has read so far beside its blob's layer event.
   */
  | { kind: 'bytes'; current: number; total: number }
  /** Finished: `digest` the manifest digest, `id` the image ID, `upToDate` when nothing had to move. */
  | { kind: 'end'; operation: TransferOperation; reference: string; digest?: string; id?: string; upToDate?: boolean };

export type TransferListener = (event: TransferEvent) => void;

export type TransferLayerEvent = Extract<TransferEvent, { kind: 'layer' }>;
export type TransferBytesEvent = Extract<TransferEvent, { kind: 'bytes' }>;

// Progress of pulls and pushes, reported as plain data: the CLI draws Docker's lines and bars from
// these, the extension a progress notification. `current`/`total` are bytes of the blob as transferred.

export type PullLayerStatus =
  /** Listed in the manifest, not started yet. */
  | 'queued'
  /** Already in the store: nothing to download. */
  | 'exists'
  | 'downloading'
  /** The transfer broke off and is being resumed from `current`. */
  | 'resuming'
  /** All bytes are in; the digest is being checked and the blob committed. */
  | 'verifying'
  | 'done';

export type PushLayerStatus =
  | 'preparing'
  | 'waiting'
  /** Compressing an uncompressed stored layer on the way (the total is unknown until done). */
  | 'pushing'
  | 'pushed'
  /** The registry has it already (HEAD answered 200). */
  | 'exists'
  /** Mounted from another repository of the same registry (`from` names it). */
  | 'mounted';

export type PullEvent =
  | { kind: 'pulling'; repository: string; target: string; reference: string }
  | { kind: 'layer'; digest: string; status: PullLayerStatus; current: number; total: number }
  /** The image is recorded; `digest` is what the registry serves it under. */
  | { kind: 'pulled'; reference: string; digest: string; upToDate: boolean };

export type PushEvent =
  | { kind: 'pushing'; repository: string; reference: string }
  | { kind: 'layer'; digest: string; status: PushLayerStatus; current: number; total: number; from?: string };

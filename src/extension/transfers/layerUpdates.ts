// The one place where the core's TransferEvents become the LayerUpdate rows the Transfers view and
// the notification draw. The event says where a layer is (its LayerState); the operation gives the
// words ("Downloading" in a pull, "Pushing" in a push), and operations nest: a build's base image is
// pulled inside the build, and its layers read as a pull's.

import { layerShortId } from '../../core/transfer/layerShortId';
import type { LayerState, TransferEvent, TransferOperation } from '../../core/transfer/transferEvent';
import type { LayerPhase, LayerUpdate } from '../transferProgress';

const PHASE: Readonly<Record<LayerState, LayerPhase>> = {
  queued: 'waiting',
  waiting: 'waiting',
  exists: 'skipped',
  mounted: 'skipped',
  transferring: 'transferring',
  resuming: 'transferring',
  verifying: 'verifying',
  done: 'done',
};

/** What each operation calls a layer's bytes moving, and a layer that has arrived. */
const WORDS: Readonly<Record<TransferOperation, { moving: string; done: string }>> = {
  pull: { moving: 'Downloading', done: 'Pull complete' },
  push: { moving: 'Pushing', done: 'Pushed' },
  load: { moving: 'Loading', done: 'Loaded' },
  copy: { moving: 'Copying', done: 'Copied' },
  save: { moving: 'Writing', done: 'Done' },
  verify: { moving: 'Reading', done: 'Verified' },
  build: { moving: 'Writing', done: 'Written' },
};

function statusOf(operation: TransferOperation, state: LayerState, from: string | undefined): string {
  switch (state) {
    case 'queued':
      return operation === 'push' ? 'Preparing' : 'Waiting';
    case 'waiting':
      return 'Waiting';
    case 'exists':
      return operation === 'push' ? 'Already there' : operation === 'build' ? 'Cached' : 'Already exists';
    case 'mounted':
      return from ? `Mounted from ${from}` : 'Mounted';
    case 'transferring':
      return WORDS[operation].moving;
    case 'resuming':
      return 'Resuming';
    case 'verifying':
      return 'Verifying';
    case 'done':
      return WORDS[operation].done;
  }
}

/**
 * A layer event as a row keyed by the layer (a digest stays whole and is shortened for display; a
 * path or step name becomes its short name), or the operation's `bytes` as one row under
 * `bytesKey` (an archive's name). Start and end carry no row.
 */
export function layerUpdate(operation: TransferOperation, event: TransferEvent, bytesKey = 'archive'): LayerUpdate | undefined {
  if (event.kind === 'layer') {
    const key = /^[a-z0-9]+:[a-f0-9]+$/.test(event.id) ? event.id : layerShortId(event.id);
    return { key, phase: PHASE[event.state], status: statusOf(operation, event.state, event.from), current: event.current, total: event.total };
  }
  if (event.kind === 'bytes') {
    return { key: bytesKey, phase: event.current > 0 ? 'transferring' : 'waiting', status: WORDS[operation].moving, current: event.current, total: event.total };
  }
  return undefined;
}

/**
 * One transfer's events in order: follows the operations they nest (start … end) for the words,
 * and when the outermost one ends, finishes the `bytes` row at the bytes it reached. With a
 * `bytesKey` the transfer is shown as that row (save, copy), finished also when nothing moved.
 */
export class TransferUpdates {
  private readonly open: TransferOperation[] = [];
  private bytes: number | undefined;
  private readonly bytesKey: string;

  constructor(
    private readonly operation: TransferOperation,
    bytesKey?: string,
  ) {
    this.bytesKey = bytesKey ?? 'archive';
    if (bytesKey !== undefined) this.bytes = 0;
  }

  update(event: TransferEvent): LayerUpdate | undefined {
    if (event.kind === 'start') {
      this.open.push(event.operation);
      return undefined;
    }
    if (event.kind === 'end') {
      this.open.pop();
      if (this.open.length > 0 || this.bytes === undefined) return undefined;
      return { key: this.bytesKey, phase: 'done', status: 'Done', current: this.bytes, total: this.bytes };
    }
    if (event.kind === 'bytes') this.bytes = event.current;
    return layerUpdate(this.open.at(-1) ?? this.operation, event, this.bytesKey);
  }
}

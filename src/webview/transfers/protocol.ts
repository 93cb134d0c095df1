// Messages between the Transfers view (src/extension/transfers/transfersView.ts) and its page
// (main.ts). Plain JSON both ways; the page trusts nothing it is sent beyond drawing it as text.

export type TransferViewState = 'running' | 'done' | 'failed' | 'cancelled';
export type LayerViewPhase = 'waiting' | 'transferring' | 'verifying' | 'done' | 'skipped';

export interface LayerView {
  id: string;
  key: string;
  phase: LayerViewPhase;
  status: string;
  current: number;
  total: number;
  percent?: number;
  bytesPerSecond?: number;
}

export interface TransferView {
  id: number;
  title: string;
  state: TransferViewState;
  outcome: string;
  percent: number;
  current: number;
  total: number;
  bytesPerSecond?: number;
  elapsedMs: number;
  layers: LayerView[];
}

/** Host → page. */
export type TransfersMessage = { type: 'transfers'; transfers: TransferView[] };

/** Page → host. */
export type TransfersRequest = { type: 'ready' } | { type: 'cancel'; id: number } | { type: 'clear' };

export function parseTransfersRequest(value: unknown): TransfersRequest | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const m = value as { type?: unknown; id?: unknown };
  if (m.type === 'ready' || m.type === 'clear') return { type: m.type };
  if (m.type === 'cancel' && typeof m.id === 'number' && Number.isInteger(m.id)) return { type: 'cancel', id: m.id };
  return undefined;
}

// The messages between the inspector webview and the extension host, declared once and imported by
// both sides (GitLens' IpcRequest/IpcNotification pattern). A request carries an id and gets exactly
// one response, with a result or an error; a notification gets none. The handshake: the webview
// sends `ready` once it listens, and the host answers by pushing the current image, analysis and
// verification states, so a webview that was hidden and re-created (or restored after a reload)
// shows where things stand without the host keeping track of what it saw.
//
// Everything here is plain data (it crosses postMessage), and this file has no runtime imports, so
// the webview bundle can include it as it is. The core types are imported for their shapes only.

import type { CompactTree } from '../../core/layers/compactTree';
import type { HistoryStep, LayerAnalysis, LayerAnalysisProgress } from '../../core/layers/imageLayers';
import type { VerifyResult } from '../../core/layers/verifyImage';
import type { TransferBytesEvent, TransferLayerEvent } from '../../core/transfer/transferEvent';
import type { SignatureSummary } from '../../core/trust/signatureSummaryTypes';

/** The webview panel type, also what `onWebviewPanel:` activation and the serializer key on. */
export const INSPECTOR_VIEW_TYPE = 'stevedore.inspector';
export const OPEN_INSPECTOR_COMMAND = 'stevedore.openInspector';

// ---- the envelope ----------------------------------------------------------------------------

/** A request from one side to the other, answered by one response. The fields only carry the types. */
export interface RequestType<Params, Result> {
  readonly kind: 'request';
  readonly method: string;
  readonly params?: Params;
  readonly result?: Result;
}

export interface NotificationType<Params> {
  readonly kind: 'notification';
  readonly method: string;
  readonly params?: Params;
}

export function requestType<Params, Result>(method: string): RequestType<Params, Result> {
  return { kind: 'request', method };
}

export function notificationType<Params>(method: string): NotificationType<Params> {
  return { kind: 'notification', method };
}

export interface ErrorInfo {
  message: string;
  /** A StevedoreError code ('IMAGE_NOT_FOUND', 'BLOB_NOT_FOUND'…) when there is one. */
  code?: string;
}

export type IpcMessage =
  | { type: 'notification'; method: string; params: unknown }
  | { type: 'request'; id: number; method: string; params: unknown }
  | { type: 'response'; id: number; result: unknown }
  | { type: 'response'; id: number; error: ErrorInfo };

/** Checks the envelope of something received from the other side; null when it is not a message. */
export function parseIpcMessage(value: unknown): IpcMessage | null {
  if (typeof value !== 'object' || value === null) return null;
  const m = value as Record<string, unknown>;
  if (m.type === 'notification' && typeof m.method === 'string') return { type: 'notification', method: m.method, params: m.params };
  if (m.type === 'request' && typeof m.method === 'string' && isId(m.id)) return { type: 'request', id: m.id, method: m.method, params: m.params };
  if (m.type === 'response' && isId(m.id)) {
    if ('error' in m) {
      const e = m.error as Record<string, unknown> | null;
      const message = typeof e?.message === 'string' ? e.message : 'The other side of the inspector failed without saying why.';
      return { type: 'response', id: m.id, error: typeof e?.code === 'string' ? { message, code: e.code } : { message } };
    }
    return { type: 'response', id: m.id, result: m.result };
  }
  return null;
}

function isId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

// ---- what the panel shows --------------------------------------------------------------------

/** A layer as the manifest and config describe it: known at once, before any layer is read. */
export interface LayerBasics {
  index: number;
  /** The compressed layer's digest (the "distribution hash"). */
  digest: string;
  /** The uncompressed tar's digest, from the config; null when the config lists none. */
  diffId: string | null;
  mediaType: string;
  /** Compressed bytes, from the manifest. */
  size: number;
  /** Index into `history` of the step that made the layer, or null. */
  historyIndex: number | null;
}

/** The header and the layers table: everything the manifest, config and store index say. */
export interface ImageOverview {
  /** What the panel calls the image: "redis:7.2", or the short ID of an untagged image. */
  title: string;
  /** Every name of the image, in familiar form ("redis:7.2", "localhost:5000/team/app:1"). */
  references: string[];
  /** The config digest, which is the image ID. */
  imageId: string;
  /** The digest of the image manifest shown. */
  manifestDigest: string;
  manifestMediaType: string;
  /** Set when the store names a multi-platform index, from which `manifestDigest` was chosen. */
  indexDigest?: string;
  /** `repo@sha256:…`, as registries served the manifest. */
  repoDigests: string[];
  /** "linux/amd64", "linux/arm64/v8". */
  platform: string;
  created?: string;
  author?: string;
  /** Bytes the image occupies in the store: manifest, config and compressed layers. */
  storeSize: number;
  layers: LayerBasics[];
  history: HistoryStep[];
}

export type ImageState = { state: 'loading' } | { state: 'ready'; image: ImageOverview } | { state: 'error'; error: ErrorInfo };

export type AnalysisState =
  | { state: 'waiting' }
  | { state: 'loading'; progress?: LayerAnalysisProgress }
  | { state: 'ready'; analysis: LayerAnalysis }
  | { state: 'error'; error: ErrorInfo };

export interface VerifyPosition {
  blob: TransferLayerEvent;
  all: TransferBytesEvent;
}

export type VerifyState =
  | { state: 'idle' }
  /** `progress`: the blob being read (by digest: the manifest, the config or a layer) and the bytes of all read so far, as the core reported them. */
  | { state: 'running'; progress?: VerifyPosition }
  | { state: 'done'; result: VerifyResult }
  | { state: 'cancelled' }
  | { state: 'error'; error: ErrorInfo };

/**
 * The Signatures section: the signatures kept with the image, checked again under the policies in
 * effect (on open, and again with each Verify). 'none' for images that cannot have any (an
 * engine's image, read through its export).
 */
export type SignaturesState =
  | { state: 'loading' }
  | { state: 'ready'; summary: SignatureSummary }
  | { state: 'none'; why: string }
  | { state: 'error'; error: ErrorInfo };

export type TreeView = CompactTree['view'];

export interface TreeParams {
  layer: number;
  view: TreeView;
}

// ---- the state the webview keeps across reloads ---------------------------------------------

/**
 * What `vscode.setState` holds in the webview, and what the panel serializer receives after VS Code
 * restarts: which image the panel shows and how the user left it.
 */
export interface InspectorViewState {
  version: 1;
  image: InspectorTarget;
  selectedLayer: number | null;
  view: TreeView;
  filter: string;
  changesOnly: boolean;
}

/** Which image a panel shows: the manifest digest the store index lists, and the name it was opened by. */
export interface InspectorTarget {
  manifestDigest: string;
  reference?: string;
  /** Where the image is when not in the store: an engine's image, kept in the engine-image cache. */
  source?: 'engine-cache';
}

const DIGEST = /^sha(256:[a-f0-9]{64}|512:[a-f0-9]{128})$/;
const MAX_FILTER = 1000;

export function parseInspectorTarget(value: unknown): InspectorTarget | null {
  if (typeof value !== 'object' || value === null) return null;
  const t = value as Record<string, unknown>;
  if (typeof t.manifestDigest !== 'string' || !DIGEST.test(t.manifestDigest)) return null;
  const target: InspectorTarget = { manifestDigest: t.manifestDigest };
  if (typeof t.reference === 'string' && t.reference.length > 0 && t.reference.length <= 512) target.reference = t.reference;
  if (t.source === 'engine-cache') target.source = 'engine-cache';
  return target;
}

/** Reads a saved state defensively: it comes back from disk, written by whatever version ran before. */
export function parseViewState(value: unknown): InspectorViewState | null {
  if (typeof value !== 'object' || value === null) return null;
  const s = value as Record<string, unknown>;
  const image = parseInspectorTarget(s.image);
  if (!image) return null;
  const layer = s.selectedLayer;
  return {
    version: 1,
    image,
    selectedLayer: typeof layer === 'number' && Number.isInteger(layer) && layer >= 0 ? layer : null,
    view: s.view === 'merged' ? 'merged' : 'layer',
    filter: typeof s.filter === 'string' ? s.filter.slice(0, MAX_FILTER) : '',
    changesOnly: s.changesOnly === true,
  };
}

export function initialViewState(image: InspectorTarget): InspectorViewState {
  return { version: 1, image, selectedLayer: null, view: 'layer', filter: '', changesOnly: false };
}

// ---- the messages ----------------------------------------------------------------------------

/** Webview → host. */
export const ToHost = {
  /** The webview listens now; the host answers with image, analysis and verify states. */
  ready: notificationType<{ viewState: InspectorViewState | null; /** The page drew the image its HTML carried (data-image): no need to send it again. */ imageShown?: boolean }>('ready'),
  /**
   * The header and layers table are on screen: the host starts reading the layers only now, so
   * their analysis never competes with the first paint (the file tree and wasted files follow).
   */
  painted: notificationType<Record<string, never>>('painted'),
  /** The file tree of one layer, or of the merged filesystem after it. */
  getTree: requestType<TreeParams, CompactTree>('getTree'),
  /** Run the verification (again); progress and result arrive as `verify` notifications. */
  verify: notificationType<Record<string, never>>('verify'),
  cancelVerify: notificationType<Record<string, never>>('cancelVerify'),
  /** Try loading the image and analysing its layers again, after an error. */
  retry: notificationType<Record<string, never>>('retry'),
  /** Put text on the clipboard; `label` names it in the confirmation ("image ID"). */
  copy: notificationType<{ text: string; label: string }>('copy'),
} as const;

/** Host → webview. */
export const ToWebview = {
  image: notificationType<ImageState>('image'),
  analysis: notificationType<AnalysisState>('analysis'),
  verify: notificationType<VerifyState>('verify'),
  signatures: notificationType<SignaturesState>('signatures'),
} as const;

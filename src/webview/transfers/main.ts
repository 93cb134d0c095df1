// Entry of the Transfers view's page (dist/webview/transfers.js): draws what the host sends — each
// transfer with its overall bar, then one row per layer with its bar, bytes, speed and state — and
// sends Cancel and Clear back. Everything is set as text; the list is redrawn whole on each update
// (a few rows, a few times a second), with one click handler on the root so a redraw between
// press and release does not lose the click.

import { humanSize } from '../../core/format/humanSize';
import type { LayerView, TransferView, TransfersMessage, TransfersRequest } from './protocol';

declare function acquireVsCodeApi(): { postMessage(message: TransfersRequest): void };

function main(): void {
  const api = acquireVsCodeApi();
  const root = document.getElementById('transfers');
  if (!root) return;
  root.addEventListener('click', (event) => {
    const button = (event.target as HTMLElement).closest('button');
    if (!button) return;
    if (button.dataset.action === 'cancel') api.postMessage({ type: 'cancel', id: Number(button.dataset.id) });
    if (button.dataset.action === 'clear') api.postMessage({ type: 'clear' });
  });
  window.addEventListener('message', (event: MessageEvent<TransfersMessage>) => {
    if (event.data?.type === 'transfers' && Array.isArray(event.data.transfers)) draw(root, event.data.transfers);
  });
  draw(root, []);
  api.postMessage({ type: 'ready' });
}

function draw(root: HTMLElement, transfers: readonly TransferView[]): void {
  const children: HTMLElement[] = [];
  if (transfers.length === 0) children.push(el('p', 'empty', 'No transfers. Pulls, pushes, loads, saves and copies show here with a bar for each layer.'));
  for (const t of transfers) children.push(transferSection(t));
  if (transfers.some((t) => t.state !== 'running')) {
    const clear = el('button', 'clear', 'Clear finished');
    clear.dataset.action = 'clear';
    children.push(clear);
  }
  root.replaceChildren(...children);
}

function transferSection(t: TransferView): HTMLElement {
  const section = el('section', `transfer ${t.state}`);
  section.dataset.id = String(t.id);
  section.dataset.state = t.state;
  const head = el('div', 'transfer-head');
  head.append(el('span', 'transfer-title', t.title));
  if (t.state === 'running') {
    const cancel = el('button', 'cancel', 'Cancel');
    cancel.dataset.action = 'cancel';
    cancel.dataset.id = String(t.id);
    cancel.title = `Cancel: ${t.title}`;
    head.append(cancel);
  }
  section.append(head);
  const facts = [`${t.percent} %`, t.total > 0 ? `${size(t.current)} / ${size(t.total)}` : t.current > 0 ? size(t.current) : '', t.bytesPerSecond !== undefined ? `${size(t.bytesPerSecond)}/s` : '', seconds(t.elapsedMs)].filter(Boolean);
  section.append(bar(t.percent, `${t.title}: ${t.percent} %`), el('div', 'transfer-facts', t.state === 'running' ? facts.join(' · ') : `${stateText(t.state)}${t.outcome ? ` — ${t.outcome}` : ''} · ${seconds(t.elapsedMs)}`));
  const list = el('div', 'layers');
  list.setAttribute('role', 'list');
  for (const layer of t.layers) list.append(layerRow(layer));
  section.append(list);
  return section;
}

function layerRow(layer: LayerView): HTMLElement {
  const row = el('div', `layer ${layer.phase}`);
  row.setAttribute('role', 'listitem');
  row.dataset.phase = layer.phase;
  row.dataset.key = layer.key;
  row.title = `${layer.key}\n${layer.status}`;
  const percent = layer.phase === 'done' || layer.phase === 'skipped' ? 100 : (layer.percent ?? 0);
  const bytes = layer.total > 0 ? `${size(layer.current)} / ${size(layer.total)}` : layer.current > 0 ? size(layer.current) : '';
  const speed = layer.bytesPerSecond !== undefined && layer.phase === 'transferring' ? `${size(layer.bytesPerSecond)}/s` : '';
  // Two lines, so that it fits a narrow side bar: ID and state, bytes and speed; then the bar.
  const label = el('span', 'layer-label');
  label.append(el('span', 'layer-id', layer.id), ' ', el('span', 'layer-status', layer.status));
  row.append(label, el('span', 'layer-bytes', [bytes, speed].filter(Boolean).join(' · ')), bar(percent, `${layer.id}: ${layer.status}, ${percent} %`));
  return row;
}

function bar(percent: number, label: string): HTMLElement {
  const track = el('div', 'bar');
  track.setAttribute('role', 'progressbar');
  track.setAttribute('aria-valuemin', '0');
  track.setAttribute('aria-valuemax', '100');
  track.setAttribute('aria-valuenow', String(percent));
  track.setAttribute('aria-label', label);
  const fill = el('div', 'bar-fill');
  fill.style.width = `${percent}%`;
  track.append(fill);
  return track;
}

/** Three significant digits ("3MB", "462kB"): a side bar is narrow. */
function size(bytes: number): string {
  return humanSize(bytes, 3);
}

function stateText(state: TransferView['state']): string {
  return { running: 'Running', done: 'Done', failed: 'Failed', cancelled: 'Cancelled' }[state];
}

function seconds(ms: number): string {
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

main();

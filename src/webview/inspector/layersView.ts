// The layers table: one row per history step, in build order. A step that made a layer shows the
// layer's compressed digest and diffID (with copy buttons and verification marks), its sizes, media
// type and what it added, modified, deleted and later lost to other layers; a step that made no
// layer (ENV, CMD…) shows as such. Selecting a layer row shows its files below.

import { humanSize } from '../../core/format/humanSize';
import type { LayerAnalysisProgress, LayerInfo } from '../../core/layers/imageLayers';
import { shortId } from '../../core/shortId';
import { DIGEST_HELP } from './digestHelp';
import { h, replaceChildren } from './dom';
import { count } from './formatting';
import { checkMark, copyButton, helpIcon, type HeaderActions } from './headerView';
import { layerTableRows, shortMediaType, stepText } from './layerRows';
import type { AnalysisState, ImageOverview, VerifyState } from './protocol';
import { findCheck } from './verifyChecks';

export interface LayersActions extends Pick<HeaderActions, 'copy'> {
  select(layer: number): void;
}

export class LayersView {
  readonly element = h('section', { class: 'layers', 'aria-label': 'Layers' });
  private readonly body = h('tbody');
  private selected: number | null = null;

  constructor(private readonly actions: LayersActions) {
    const columns: [string, string, Node | null][] = [
      ['num', '#', null],
      ['step', 'Created by', null],
      ['digest-col', DIGEST_HELP.layerDigest.label, helpIcon(DIGEST_HELP.layerDigest.text)],
      ['digest-col', DIGEST_HELP.diffId.label, helpIcon(DIGEST_HELP.diffId.text)],
      ['size', 'Size', helpIcon('Compressed bytes, as stored and transferred.')],
      ['size uncompressed', 'Uncompressed', null],
      ['changes', 'Changes', helpIcon('Entries the layer added (+), modified (~) and deleted (−) relative to the layers below it.')],
      ['size', 'Wasted', helpIcon("Bytes of this layer's files that a later layer overwrote or deleted: stored, but never seen by a container.")],
      ['media', 'Media type', null],
    ];
    const head = h('thead', {}, h('tr', {}, ...columns.map(([cls, label, help]) => h('th', { class: cls, scope: 'col' }, label, help))));
    // Fixed widths for every column but Created by, which takes the rest and shortens with an
    // ellipsis (the full step on hover): the table never scrolls sideways.
    const colgroup = h('colgroup', {}, ...columns.map(([cls]) => h('col', { class: cls.split(' ').map((c, i) => (i === 0 ? `col-${c}` : c)).join(' ') })));
    const table = h('table', { class: 'layer-table', 'aria-label': 'Layers, oldest first' }, colgroup, head, this.body);
    this.element.append(h('h2', { class: 'section-title' }, 'Layers', h('span', { class: 'muted small' }, ' · oldest first; select one to see its files')), h('div', { class: 'table-scroll' }, table));
    this.body.addEventListener('keydown', (e) => this.onKey(e));
  }

  update(image: ImageOverview, analysis: AnalysisState, verify: VerifyState, selected: number | null): void {
    this.selected = selected;
    const infos = analysis.state === 'ready' ? analysis.analysis.layers : undefined;
    const progress = analysis.state === 'loading' ? analysis.progress : undefined;
    const result = verify.state === 'done' ? verify.result : undefined;
    const rows = layerTableRows(image).map((row) => {
      if (row.kind === 'step') {
        const text = stepText(row.step);
        return h(
          'tr',
          { class: 'empty-step' },
          h('td', { class: 'num' }),
          h('td', { class: 'step', title: text }, h('span', { class: 'step-text' }, text || '(no command recorded)')),
          h('td', { class: 'no-layer muted', colspan: 7 }, row.step.emptyLayer ? 'No layer: this step changed only the config' : 'No layer recorded for this step'),
        );
      }
      const { layer } = row;
      const info: LayerInfo | undefined = infos?.[layer.index];
      const text = stepText(row.step);
      const uncompressed: Node | string = info ? humanSize(info.uncompressedSize) : h('span', { class: 'muted' }, readingText(layer.index, progress));
      const isSelected = selected === layer.index;
      const tr = h(
        'tr',
        { class: `layer${isSelected ? ' selected' : ''}`, 'data-layer': layer.index, tabindex: isSelected || (selected === null && layer.index === 0) ? 0 : -1, 'aria-selected': isSelected ? 'true' : 'false' },
        h('td', { class: 'num' }, String(layer.index)),
        h('td', { class: 'step', title: text }, h('span', { class: 'step-text' }, text || '(no history)')),
        h('td', { class: 'digest-col' }, this.digestCell(layer.digest, 'compressed digest', findCheck(result, 'layer', layer.index))),
        h('td', { class: 'digest-col' }, layer.diffId ? this.digestCell(layer.diffId, 'diffID', findCheck(result, 'diffId', layer.index)) : h('span', { class: 'muted' }, 'none in the config')),
        h('td', { class: 'size' }, humanSize(layer.size)),
        h('td', { class: 'size uncompressed' }, uncompressed),
        h('td', { class: 'changes' }, info ? changes(info) : '…'),
        h('td', { class: 'size' }, info ? (info.changes.wastedBytes > 0 ? humanSize(info.changes.wastedBytes) : h('span', { class: 'muted' }, '0B')) : '…'),
        h('td', { class: 'media', title: layer.mediaType }, shortMediaType(layer.mediaType)),
      );
      tr.addEventListener('click', () => this.actions.select(layer.index));
      return tr;
    });
    const active = document.activeElement;
    const focusedLayer = active instanceof HTMLElement && this.body.contains(active) ? active.closest<HTMLElement>('tr.layer')?.dataset.layer : undefined;
    replaceChildren(this.body, ...rows);
    // Rebuilt rows are new elements: give the focus back to the row that had it.
    if (focusedLayer !== undefined) this.body.querySelector<HTMLElement>(`tr.layer[data-layer="${focusedLayer}"]`)?.focus();
  }

  /** Progress only: rewrites the Uncompressed cells of the layers not analysed yet. */
  showAnalysisProgress(progress: LayerAnalysisProgress | undefined): void {
    for (const cell of this.body.querySelectorAll<HTMLElement>('tr.layer td.uncompressed')) {
      const index = Number(cell.parentElement?.dataset.layer);
      const text = readingText(index, progress);
      if (cell.textContent !== text) replaceChildren(cell, h('span', { class: 'muted' }, text));
    }
  }

  /** Moves the keyboard focus to the selected row (after the selection changed by keyboard). */
  focusSelected(): void {
    const row = this.body.querySelector<HTMLElement>('tr.layer.selected');
    row?.focus();
    row?.scrollIntoView({ block: 'nearest' });
  }

  private digestCell(digest: string, label: string, check: ReturnType<typeof findCheck>): HTMLElement {
    return h('span', { class: 'digest' }, h('code', { class: 'digest-text', title: digest }, shortId(digest)), copyButton(digest, label, this.actions), check ? checkMark(check) : null);
  }

  private onKey(e: KeyboardEvent): void {
    const layers = [...this.body.querySelectorAll<HTMLElement>('tr.layer')].map((tr) => Number(tr.dataset.layer));
    if (layers.length === 0) return;
    const at = this.selected === null ? -1 : layers.indexOf(this.selected);
    let next: number | undefined;
    if (e.key === 'ArrowDown') next = layers[Math.min(layers.length - 1, at + 1)];
    else if (e.key === 'ArrowUp') next = layers[Math.max(0, at - 1)];
    else if (e.key === 'Home') next = layers[0];
    else if (e.key === 'End') next = layers[layers.length - 1];
    else if ((e.key === 'Enter' || e.key === ' ') && e.target instanceof HTMLElement && e.target.dataset.layer !== undefined) next = Number(e.target.dataset.layer);
    if (next === undefined) return;
    e.preventDefault();
    this.actions.select(next);
    this.focusSelected();
  }
}

/** What the Uncompressed cell says while the layers are read: read, reading (with a percentage), or waiting. */
function readingText(index: number, progress: LayerAnalysisProgress | undefined): string {
  if (!progress || index > progress.layer) return '…';
  if (index < progress.layer || progress.state !== 'reading') return 'read';
  return `reading ${progress.totalBytes ? Math.floor((progress.bytes / progress.totalBytes) * 100) : 0} %`;
}

function changes(info: LayerInfo): HTMLElement {
  const c = info.changes;
  return h(
    'span',
    { class: 'change-counts', title: `${count(c.added)} added, ${count(c.modified)} modified, ${count(c.deleted)} deleted` },
    h('span', { class: 'added' }, `+${count(c.added)}`),
    ' ',
    h('span', { class: 'modified' }, `~${count(c.modified)}`),
    ' ',
    h('span', { class: 'deleted' }, `−${count(c.deleted)}`),
  );
}

// The largest wasted files: paths whose bytes are stored in a layer and then overwritten or deleted
// by a later one, largest first. Choosing one filters the file tree to it, in the layer whose
// version is the one a container sees.

import { humanSize } from '../../core/format/humanSize';
import type { WastedFile } from '../../core/layers/imageLayers';
import { h, replaceChildren } from './dom';
import { plural } from './formatting';
import { helpIcon } from './headerView';
import type { AnalysisState } from './protocol';

export interface WastedActions {
  showPath(path: string, layer: number | null): void;
}

export class WastedView {
  readonly element = h('aside', { class: 'wasted', 'aria-label': 'Largest wasted files' });
  private readonly list = h('ol', { class: 'wasted-list' });
  private readonly status = h('div', { class: 'wasted-status muted small' });
  private shown: readonly WastedFile[] | undefined;

  constructor(private readonly actions: WastedActions) {
    this.element.append(
      h(
        'h2',
        { class: 'section-title' },
        'Largest wasted files',
        helpIcon('Files stored in one layer and then overwritten or deleted by a later one. Their bytes still make the image bigger; removing them in the same step that created them (or a multi-stage build) saves that space.'),
      ),
      this.status,
      this.list,
    );
  }

  update(analysis: AnalysisState): void {
    if (analysis.state !== 'ready') {
      this.shown = undefined;
      this.list.replaceChildren();
      this.status.textContent = analysis.state === 'error' ? 'Not available: the layers could not be analysed.' : 'Analysing layers…';
      return;
    }
    const { wasted, wastedBytes } = analysis.analysis;
    if (this.shown === wasted) return;
    this.shown = wasted;
    if (wasted.length === 0) {
      this.status.textContent = 'None: no layer overwrites or deletes what a lower layer stored.';
      this.list.replaceChildren();
      return;
    }
    this.status.textContent = `${humanSize(wastedBytes)} in all; the ${plural(wasted.length, 'largest path')}:`;
    replaceChildren(
      this.list,
      ...wasted.map((w) => {
        const fate = w.finalLayer === null ? 'deleted in the end' : `visible from layer ${w.finalLayer}`;
        const button = h(
          'button',
          { class: 'wasted-item', type: 'button', title: `${w.path}\n${plural(w.hiddenVersions, 'hidden version')}, ${fate}. Show it in the file tree.` },
          h('span', { class: 'wasted-path' }, w.path),
          h('span', { class: 'wasted-size' }, humanSize(w.wastedBytes)),
          h('span', { class: 'wasted-fate muted small' }, `${plural(w.hiddenVersions, 'hidden version')} · ${fate}`),
        );
        button.addEventListener('click', () => this.actions.showPath(w.path, w.finalLayer));
        return h('li', {}, button);
      }),
    );
  }
}

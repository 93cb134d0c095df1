// The top of the panel: the image's names and digests (each with what it is on hover, a copy button
// and, once verified, whether it matched), platform, creation and sizes; the efficiency score and
// wasted bytes once the layers are analysed; the Verify button with its progress and outcome.

import { humanSize } from '../../core/format/humanSize';
import type { LayerAnalysisProgress } from '../../core/layers/imageLayers';
import type { DigestCheck } from '../../core/layers/verifyImage';
import { DIGEST_HELP, type DigestKind } from './digestHelp';
import { h, icon, replaceChildren } from './dom';
import { count, createdText, efficiencyGrade, percent, plural, progressText } from './formatting';
import type { AnalysisState, ImageOverview, VerifyPosition, VerifyState } from './protocol';
import { checkLabel, checkTitle, findCheck, verifySummary } from './verifyChecks';

export interface HeaderActions {
  copy(text: string, label: string): void;
  verify(): void;
  cancelVerify(): void;
  retry(): void;
}

const FOCUS_FOLLOWS: Readonly<Record<string, string>> = { verify: 'cancel-verify', 'cancel-verify': 'verify' };

export class HeaderView {
  readonly element = h('header', { class: 'overview', 'aria-label': 'Image' });

  constructor(private readonly actions: HeaderActions) {}

  update(image: ImageOverview, analysis: AnalysisState, verify: VerifyState, now: Date): void {
    const result = verify.state === 'done' ? verify.result : undefined;
    const title = h(
      'div',
      { class: 'title-row' },
      h('h1', { class: 'title', title: image.title }, image.title),
      h('span', { class: 'chip', 'data-tip': 'The platform the image was built for (os/architecture/variant).' }, image.platform),
      h('span', { class: 'chip' }, plural(image.layers.length, 'layer')),
      h('span', { class: 'spacer' }),
      this.verifyButton(verify),
    );
    // Two facts a row where the panel is wide enough (see .facts in inspector.css); long ones span the row.
    const facts = h('dl', { class: 'facts' });
    addFact(facts, 'References', null, references(image.references));
    markWide(facts);
    addFact(facts, DIGEST_HELP.imageId.label, 'imageId', this.digest(image.imageId, 'image ID', findCheck(result, 'config')));
    addFact(facts, DIGEST_HELP.manifest.label, 'manifest', this.digest(image.manifestDigest, 'manifest digest', findCheck(result, 'manifest')));
    if (image.indexDigest) addFact(facts, DIGEST_HELP.index.label, 'index', this.digest(image.indexDigest, 'index digest'));
    addFact(facts, 'Created', null, h('span', {}, createdText(image.created, now)), image.author ? h('span', { class: 'muted' }, ` by ${image.author}`) : null);
    addFact(
      facts,
      DIGEST_HELP.repoDigest.label,
      'repoDigest',
      image.repoDigests.length
        ? h('div', { class: 'stack' }, ...image.repoDigests.map((d) => this.digest(d, 'repo digest')))
        : h('span', { class: 'muted', title: 'The image was not pulled from or pushed to a registry.' }, 'None (not pulled or pushed)'),
    );
    addFact(facts, 'Size', null, sizeLine(image, analysis));
    markWide(facts);

    const top = h('div', { class: 'overview-main' }, h('div', { class: 'overview-facts' }, title, facts), scorecard(analysis, this.actions));
    // Rebuilding drops the focus; a keyboard user who pressed Verify lands on Cancel, and back.
    const active = document.activeElement;
    const focused = active instanceof HTMLElement && this.element.contains(active) ? active.id : '';
    replaceChildren(this.element, top, this.verifyStatus(image, verify));
    if (focused) (document.getElementById(focused) ?? document.getElementById(FOCUS_FOLLOWS[focused] ?? ''))?.focus();
  }

  /**
   * Progress only: moves the analysis bar and rewrites its line without rebuilding the header (the
   * host sends dozens of these while the webview competes with the analysis for the CPU). False
   * when the header shows no analysis progress, so the caller renders in full instead.
   */
  showAnalysisProgress(progress: LayerAnalysisProgress | undefined): boolean {
    const bar = this.element.querySelector<HTMLElement>('.scorecard .progress');
    const text = this.element.querySelector<HTMLElement>('.scorecard .analysis-text');
    if (!bar || !text) return false;
    setProgress(bar, analysisFraction(progress));
    text.textContent = analysisProgressText(progress);
    return true;
  }

  /** The same for the verification's progress. */
  showVerifying(image: ImageOverview, progress: VerifyPosition | undefined): boolean {
    const bar = this.element.querySelector<HTMLElement>('.verify-status .progress');
    const text = this.element.querySelector<HTMLElement>('.verify-status .verify-text');
    if (!bar || !text) return false;
    setProgress(bar, verifyFraction(progress));
    text.textContent = verifyProgressText(image, progress);
    return true;
  }

  private verifyButton(verify: VerifyState): HTMLElement {
    if (verify.state === 'running') {
      const button = h('button', { class: 'button secondary', type: 'button', id: 'cancel-verify' }, icon('stop'), 'Cancel');
      button.addEventListener('click', () => this.actions.cancelVerify());
      return button;
    }
    const again = verify.state === 'done' || verify.state === 'cancelled' || verify.state === 'error';
    const button = h(
      'button',
      {
        class: 'button',
        type: 'button',
        id: 'verify',
        'data-tip': 'Recompute every digest from the bytes in the store: the manifest, the config (image ID), and each layer compressed and uncompressed (diffID).',
      },
      icon('shield'),
      again ? 'Verify Again' : 'Verify Digests',
    );
    button.addEventListener('click', () => this.actions.verify());
    return button;
  }

  private verifyStatus(image: ImageOverview, verify: VerifyState): HTMLElement {
    const box = h('div', { class: 'verify-status', role: 'status', 'aria-live': 'polite' });
    switch (verify.state) {
      case 'idle':
        box.hidden = true;
        break;
      case 'running':
        replaceChildren(box, progressBar(verifyFraction(verify.progress)), h('span', { class: 'verify-text' }, verifyProgressText(image, verify.progress)));
        break;
      case 'done': {
        const summary = verifySummary(verify.result);
        box.classList.add(summary.ok ? 'ok' : 'bad');
        replaceChildren(
          box,
          h(
            'div',
            { class: 'verify-line' },
            icon(summary.ok ? 'check' : 'error', `icon ${summary.ok ? 'ok' : 'bad'}`),
            h('strong', { class: 'verify-text' }, summary.text),
            h('span', { class: 'muted' }, ` · ${humanSize(verify.result.bytesRead)} read from the store`),
          ),
          summary.problems.length ? h('ul', { class: 'problems' }, ...summary.problems.map((c) => h('li', {}, h('strong', {}, `${checkLabel(c)}: `), c.message ?? checkTitle(c)))) : null,
        );
        break;
      }
      case 'cancelled':
        replaceChildren(box, h('span', { class: 'muted verify-text' }, 'Verification cancelled; nothing was checked to the end.'));
        break;
      case 'error':
        box.classList.add('bad');
        replaceChildren(box, icon('error', 'icon bad'), h('span', { class: 'verify-text' }, `Verification failed: ${verify.error.message}`));
        break;
    }
    return box;
  }

  /** A full digest, its copy button, and its verification mark when there is one. */
  private digest(value: string, label: string, check?: DigestCheck): HTMLElement {
    return h('span', { class: 'digest' }, h('code', { class: 'digest-text', title: value }, value), copyButton(value, label, this.actions), check ? checkMark(check) : null);
  }
}

/** The fact just added spans the row: its term starts the row, its value takes the rest. */
function markWide(list: HTMLElement): void {
  list.lastElementChild?.classList.add('wide');
  list.lastElementChild?.previousElementSibling?.classList.add('wide');
}

function addFact(list: HTMLElement, label: string, help: DigestKind | null, ...value: (Node | null)[]): void {
  const term = h('dt', {}, label);
  if (help) term.appendChild(helpIcon(DIGEST_HELP[help].text));
  list.append(term, h('dd', {}, ...value));
}

function references(refs: readonly string[]): HTMLElement {
  if (refs.length === 0) return h('span', { class: 'muted' }, 'None (untagged image)');
  return h('span', { class: 'refs' }, ...refs.map((r) => h('span', { class: 'ref' }, r)));
}

function sizeLine(image: ImageOverview, analysis: AnalysisState): HTMLElement {
  const parts: (Node | string)[] = [h('span', { 'data-tip': 'Manifest, config and compressed layers as stored, the SIZE `stevedore images` shows.' }, `${humanSize(image.storeSize)} in the store`)];
  if (analysis.state === 'ready') {
    const a = analysis.analysis;
    const tar = a.layers.reduce((sum, l) => sum + l.uncompressedSize, 0);
    parts.push(' · ', h('span', { 'data-tip': 'Bytes of the uncompressed layer tars.' }, `${humanSize(tar)} uncompressed`));
    parts.push(' · ', h('span', { 'data-tip': 'What a container sees: the merged filesystem after the last layer.' }, `${humanSize(a.finalBytes)} in ${count(a.finalFiles)} visible files`));
  }
  return h('span', {}, ...parts);
}

function scorecard(analysis: AnalysisState, actions: HeaderActions): HTMLElement {
  const card = h('aside', { class: 'scorecard', 'aria-label': 'Efficiency' });
  switch (analysis.state) {
    case 'waiting':
    case 'loading': {
      const p = analysis.state === 'loading' ? analysis.progress : undefined;
      replaceChildren(
        card,
        h('div', { class: 'score-label' }, 'Efficiency'),
        h('div', { class: 'score pending' }, '…'),
        progressBar(analysisFraction(p)),
        h('div', { class: 'muted small analysis-text', role: 'status' }, analysisProgressText(p)),
      );
      break;
    }
    case 'error': {
      const retry = h('button', { class: 'button secondary small', type: 'button' }, icon('refresh'), 'Retry');
      retry.addEventListener('click', () => actions.retry());
      replaceChildren(card, h('div', { class: 'score-label' }, 'Efficiency'), h('div', { class: 'error-text', role: 'alert' }, icon('error', 'icon bad'), analysis.error.message), retry);
      break;
    }
    case 'ready': {
      const a = analysis.analysis;
      // One definition (LayerAnalysis.visibleEfficiency): the share of stored file bytes a container
      // sees, so it always agrees with the wasted figure beside it. dive's score is shown as such.
      const grade = efficiencyGrade(a.visibleEfficiency);
      const meter = h('div', { class: `meter ${grade}`, role: 'meter', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': Math.round(a.visibleEfficiency * 100), 'aria-label': 'Efficiency' });
      const fill = h('div', { class: 'meter-fill' });
      fill.style.width = `${Math.max(0, Math.min(1, a.visibleEfficiency)) * 100}%`;
      meter.appendChild(fill);
      replaceChildren(
        card,
        h(
          'div',
          { class: 'score-label' },
          'Efficiency',
          helpIcon(
            'The share of the file bytes stored in the layers that a container sees: 1 − wasted ÷ stored. ' +
              'Bytes a later layer overwrote or deleted (by a whiteout or an opaque directory) count as wasted.',
          ),
        ),
        h('div', { class: `score ${grade}`, id: 'efficiency' }, percent(a.visibleEfficiency)),
        meter,
        h(
          'div',
          { class: 'small' },
          h('span', { 'data-tip': 'Bytes stored in a layer and then overwritten or deleted by a later one: they make the image bigger but no container sees them.' }, `${humanSize(a.wastedBytes)} wasted`),
          h('span', { class: 'muted' }, ` of ${humanSize(a.contentBytes)} stored`),
        ),
        h(
          'div',
          {
            class: 'small muted dive-score',
            'data-tip':
              "dive's formula: for every path, its smallest size in any layer, summed, over the sum of all its sizes. It ignores what opaque directories delete. " +
              '`stevedore efficiency IMAGE --min 0.9` gates CI on it, as `dive --ci` does.',
          },
          "dive's score: ",
          h('span', { id: 'dive-score' }, percent(a.efficiency)),
        ),
      );
      break;
    }
  }
  return card;
}

export function progressBar(fraction: number): HTMLElement {
  const bar = h('div', { class: 'progress', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100 });
  bar.appendChild(h('div', { class: 'progress-fill' }));
  setProgress(bar, fraction);
  return bar;
}

function setProgress(bar: HTMLElement, fraction: number): void {
  const clamped = Math.max(0, Math.min(1, fraction));
  bar.setAttribute('aria-valuenow', String(Math.round(clamped * 100)));
  // CSSOM, not a style attribute: the Content Security Policy allows the one and blocks the other.
  (bar.firstElementChild as HTMLElement).style.width = `${clamped * 100}%`;
}

function analysisFraction(p: LayerAnalysisProgress | undefined): number {
  return p ? (p.layer + (p.totalBytes > 0 ? p.bytes / p.totalBytes : 1)) / Math.max(1, p.layers) : 0;
}

function analysisProgressText(p: LayerAnalysisProgress | undefined): string {
  if (!p) return 'Analysing layers…';
  if (p.state === 'cached') return `Layer ${p.layer + 1} of ${p.layers} from the cache`;
  return `Reading layer ${p.layer + 1} of ${p.layers} · ${progressText(p.bytes, p.totalBytes)}`;
}

function verifyFraction(p: VerifyPosition | undefined): number {
  return p && p.all.total > 0 ? p.all.current / p.all.total : 0;
}

/** The blob is named by its digest; the image says which one it is (verify reads them in the manifest's order). */
function verifyProgressText(image: ImageOverview, p: VerifyPosition | undefined): string {
  if (!p) return 'Starting…';
  const id = p.blob.id;
  const layer = image.layers.findIndex((l) => l.digest === id);
  const what =
    id === image.manifestDigest ? 'Verifying the manifest' : id === image.imageId ? 'Verifying the config' : `Verifying layer ${(layer < 0 ? 0 : layer) + 1} of ${image.layers.length}`;
  return `${what} · ${progressText(p.all.current, p.all.total)}`;
}

export function helpIcon(text: string): HTMLElement {
  return h('span', { class: 'help', tabindex: 0, 'data-tip': text, 'aria-label': text, role: 'img' }, icon('info'));
}

export function copyButton(value: string, label: string, actions: Pick<HeaderActions, 'copy'>): HTMLElement {
  const button = h('button', { class: 'icon-button copy', type: 'button', title: `Copy ${label}`, 'aria-label': `Copy ${label}`, 'data-copy': value }, icon('copy'));
  button.addEventListener('click', (e) => {
    e.stopPropagation();
    actions.copy(value, label);
  });
  return button;
}

export function checkMark(check: DigestCheck): HTMLElement {
  const ok = check.status === 'match';
  const mark = h('span', { class: `check ${ok ? 'ok' : 'bad'}`, 'data-tip': checkTitle(check), 'data-check': check.status, tabindex: 0, role: 'img', 'aria-label': ok ? 'verified' : check.status }, icon(ok ? 'check' : 'error'));
  return mark;
}

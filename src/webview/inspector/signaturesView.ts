// The Signatures section under the header: the signatures kept with the image (those a pull
// verified), who made each (GPG key or public key file), the identity it claims and the digest it
// covers, and whether each policy in effect accepts it now, under which scope and requirement — or
// "Unsigned" when nothing was verified. A collapsible block whose summary line says it all in short.

import { h, icon, replaceChildren } from './dom';
import { plural } from './formatting';
import type { SignaturesState } from './protocol';
import type { PolicyCheck, SignatureLine } from '../../core/trust/signatureSummaryTypes';

const FORMAT_LABEL: Readonly<Record<SignatureLine['format'], string>> = {
  'simple-signing': 'GPG (simple signing)',
  sigstore: 'cosign',
  'sigstore-bundle': 'Sigstore bundle',
};

export class SignaturesView {
  readonly element = h('details', { class: 'signatures', 'aria-label': 'Signatures' });
  private open = false;

  constructor() {
    this.element.addEventListener('toggle', () => (this.open = this.element.open));
  }

  update(state: SignaturesState): void {
    const summary = h('summary', {}, h('strong', {}, 'Signatures'), ' ', ...headline(state));
    replaceChildren(this.element, summary, body(state));
    this.element.open = this.open;
    this.element.dataset.state = state.state === 'ready' ? (state.summary.kept === 0 ? 'unsigned' : state.summary.checks.every((c) => c.accepted) ? 'verified' : 'refused') : state.state;
  }
}

function headline(state: SignaturesState): (Node | string)[] {
  switch (state.state) {
    case 'loading':
      return [h('span', { class: 'muted' }, 'checking…')];
    case 'none':
      return [h('span', { class: 'muted' }, 'none kept')];
    case 'error':
      return [icon('error', 'icon bad'), h('span', {}, `cannot be checked: ${state.error.message}`)];
    case 'ready': {
      const { kept, checks } = state.summary;
      const refused = checks.filter((c) => !c.accepted);
      const policyWord = checks.length === 0 ? ' (no trust policy)' : refused.length ? ` · refused by ${refused.map((c) => c.policy).join(', ')}` : ` · accepted by ${plural(checks.length, 'policy', 'policies')}`;
      if (kept === 0) return [icon('warning', 'icon'), h('span', { class: 'signatures-headline' }, `Unsigned${policyWord}`)];
      return [icon(refused.length ? 'error' : 'check', `icon ${refused.length ? 'bad' : 'ok'}`), h('span', { class: 'signatures-headline' }, `${plural(kept, 'signature')} verified on pull${policyWord}`)];
    }
  }
}

function body(state: SignaturesState): HTMLElement {
  switch (state.state) {
    case 'loading':
      return h('p', { class: 'muted' }, 'Checking the signatures kept with this image under the trust policy…');
    case 'none':
      return h('p', { class: 'muted' }, state.why);
    case 'error':
      return h('p', {}, state.error.message);
    case 'ready': {
      const { summary } = state;
      const intro =
        summary.kept === 0
          ? h('p', {}, 'No signature was verified when this image came into the store (it was built, loaded, imported, or pulled where no policy asked for one).')
          : h('p', {}, `Signatures verified when ${summary.signedAs?.reference ?? 'the image'} was pulled, covering ${summary.signedAs?.digest ?? 'its manifest'}; checked again now, offline:`);
      const checks = summary.checks.length ? summary.checks.map(policyBlock) : [h('p', { class: 'muted' }, 'There is no trust policy (~/.config/containers/policy.json, /etc/containers/policy.json or the stevedore.trust.policyPath setting), so nothing requires a signature.')];
      return h('div', { class: 'signatures-body' }, intro, ...checks);
    }
  }
}

function policyBlock(check: PolicyCheck): HTMLElement {
  const verdict = check.accepted ? h('span', { class: 'ok-text' }, icon('check', 'icon ok'), ' accepted') : h('span', { class: 'bad-text' }, icon('error', 'icon bad'), ` refused${check.reason ? `: ${check.reason}` : ''}`);
  const rows = check.signatures.map((s) =>
    h(
      'tr',
      {},
      h('td', {}, s.accepted ? icon('check', 'icon ok') : icon('error', 'icon bad')),
      h('td', {}, FORMAT_LABEL[s.format]),
      h('td', { class: 'mono', title: s.signer ?? '' }, s.signer ?? '—'),
      h('td', { class: 'mono', title: s.identity ?? '' }, s.identity ?? '—'),
      h('td', { class: 'mono', title: s.digest ?? '' }, s.digest ? shortDigest(s.digest) : '—'),
      h('td', { title: s.source }, s.accepted ? 'verified' : (s.reason ?? 'not accepted')),
    ),
  );
  return h(
    'div',
    { class: 'policy-check' },
    h('div', {}, h('span', { class: 'mono' }, check.policy), h('span', { class: 'muted' }, ` · ${check.scope}: ${check.requirements.join('; ')}`), ' — ', verdict),
    rows.length
      ? h(
          'table',
          { class: 'signature-table' },
          h('thead', {}, h('tr', {}, h('th', {}, ''), h('th', {}, 'Format'), h('th', {}, 'Signed by'), h('th', {}, 'Identity'), h('th', {}, 'Covers'), h('th', {}, 'Result'))),
          h('tbody', {}, ...rows),
        )
      : null,
  );
}

function shortDigest(digest: string): string {
  const i = digest.indexOf(':');
  return `${digest.slice(0, i + 1)}${digest.slice(i + 1, i + 13)}`;
}

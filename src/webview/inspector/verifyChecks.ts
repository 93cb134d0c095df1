// Finds, in a verification result, the check behind each digest the panel shows, and words the
// outcome the way the marks next to those digests read on hover.

import type { CheckSubject, DigestCheck, VerifyResult } from '../../core/layers/verifyImage';

export function findCheck(result: VerifyResult | undefined, subject: CheckSubject, layer?: number): DigestCheck | undefined {
  return result?.checks.find((c) => c.subject === subject && (layer === undefined || c.layer === layer));
}

export function checkTitle(check: DigestCheck): string {
  switch (check.status) {
    case 'match':
      return `Verified: the bytes in the store hash to ${check.expected}.`;
    case 'mismatch':
      return check.message ?? `Mismatch: expected ${check.expected ?? 'a digest'}, found ${check.actual ?? 'nothing'}.`;
    case 'missing':
      return check.message ?? 'Missing from the store.';
    case 'unreadable':
      return check.message ?? 'Could not be read.';
    case 'unsupported':
      return check.message ?? 'Not checked: this compression is not supported yet.';
  }
}

export interface VerifySummary {
  ok: boolean;
  text: string;
  problems: DigestCheck[];
}

export function verifySummary(result: VerifyResult): VerifySummary {
  const problems = result.checks.filter((c) => c.status !== 'match');
  const total = result.checks.length;
  if (problems.length === 0) return { ok: true, text: `All ${total} digests match`, problems };
  const failed = problems.length;
  return { ok: false, text: `${failed} of ${total} digest${total === 1 ? '' : 's'} ${failed === 1 ? 'does' : 'do'} not match`, problems };
}

/** Names a check in the list of problems: "Layer 2 (diffID)", "Config (image ID)". */
export function checkLabel(check: DigestCheck): string {
  switch (check.subject) {
    case 'manifest':
      return 'Manifest';
    case 'config':
      return 'Config (image ID)';
    case 'layer':
      return `Layer ${check.layer} (compressed)`;
    case 'diffId':
      return `Layer ${check.layer} (diffID)`;
  }
}

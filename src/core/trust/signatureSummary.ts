// What the inspector's Signatures section and the Images view's mark show: the signatures kept
// with a stored image (signatureRecord.ts), each checked again offline under each policy that
// applies (the extension's own on top of the machine's), as plain data for the webview. An image
// with no record is "unsigned": nothing was verified when it came into the store.

import { readdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { familiarString, parseReference } from '../reference/reference';
import type { ImageRecord, ImageStore } from '../store/imageStore';
import { signatureRecordPath } from '../store/derivedFiles';
import type { StoreLayout } from '../store/layout';
import { describeRequirement, type TrustPolicy } from './policyTypes';
import { recheckSignatures } from './recheckSignatures';
import { readSignatureRecord, type SignatureRecord } from './signatureRecord';
import type { PolicyCheck, SignatureSummary } from './signatureSummaryTypes';

export type { PolicyCheck, SignatureLine, SignatureSummary } from './signatureSummaryTypes';

export async function summarizeSignatures(store: ImageStore, image: ImageRecord, policies: readonly TrustPolicy[]): Promise<SignatureSummary> {
  const checks: PolicyCheck[] = [];
  for (const policy of policies) {
    const { decision } = await recheckSignatures(store, image, policy);
    const last = decision.requirements[decision.requirements.length - 1];
    checks.push({
      policy: decision.policy,
      scope: decision.scope.where,
      requirements: decision.scope.requirements.map(describeRequirement),
      accepted: decision.accepted,
      ...(decision.accepted || !last?.reason ? {} : { reason: last.reason }),
      signatures: decision.requirements.flatMap((r) =>
        r.signatures.map((s) => ({
          format: s.format,
          source: s.source,
          accepted: s.accepted,
          ...(s.signer ? { signer: s.signer } : {}),
          ...(s.claims ? { identity: s.claims.dockerReference, digest: s.claims.manifestDigest } : {}),
          ...(s.reason ? { reason: s.reason } : {}),
        })),
      ),
    });
  }
  return { ...kept(await readSignatureRecord(store.layout, image.manifestDigest)), checks };
}

function kept(record: SignatureRecord | undefined): Omit<SignatureSummary, 'checks'> {
  if (!record) return { kept: 0 };
  return { kept: record.signatures.length, signedAs: { reference: familiarString(parseReference(record.reference)), digest: record.signedDigest } };
}

/** The manifest digests that have signatures kept in the store (one directory listing). */
export async function signedManifestDigests(layout: StoreLayout): Promise<Set<string>> {
  const dir = dirname(signatureRecordPath(layout, `sha256:${'0'.repeat(64)}`));
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Set();
    throw err;
  }
  const digests = new Set<string>();
  for (const name of names) {
    const m = /^(?:([a-z0-9]+)-)?([a-f0-9]{64,128})\.json$/.exec(name);
    if (m) digests.add(`${m[1] ?? 'sha256'}:${m[2]}`);
  }
  return digests;
}

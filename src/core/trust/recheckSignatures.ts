// `verify --signatures`: the signatures kept with an image (signatureRecord.ts) checked again,
// offline, under the policy in effect now — keys may have been revoked or the policy tightened
// since the pull. Without a record, the image passes only if the policy requires no signature.

import { StevedoreError } from '../errors';
import type { ImageStore, ImageRecord } from '../store/imageStore';
import { parseReference } from '../reference/reference';
import { evaluateWithSource, type PolicyDecision } from './evaluatePolicy';
import type { TrustPolicy } from './policyTypes';
import { readSignatureRecord, recordedSignatureSource, type SignatureRecord } from './signatureRecord';

export interface SignatureRecheck {
  record: SignatureRecord | undefined;
  decision: PolicyDecision;
}

export async function recheckSignatures(store: ImageStore, image: ImageRecord, policy: TrustPolicy): Promise<SignatureRecheck> {
  const record = await readSignatureRecord(store.layout, image.manifestDigest);
  if (record) {
    // The record must be about this image: its own manifest, or the index it was pulled through.
    const covered = [image.manifestDigest, ...image.repoDigests.map((d) => d.slice(d.indexOf('@') + 1))];
    if (!covered.includes(record.signedDigest)) {
      throw new StevedoreError('STORE_CORRUPT', `The signature record of ${image.manifestDigest} covers ${record.signedDigest}, which is not this image; pull the image again.`);
    }
    const decision = await evaluateWithSource(policy, { reference: parseReference(record.reference), manifestDigest: record.signedDigest }, recordedSignatureSource(record));
    return { record, decision };
  }
  const name = image.refs[0];
  if (!name) throw new StevedoreError('INVALID_ARGUMENT', `${image.manifestDigest} has no name, so no policy scope applies to it; verify it by a name it was pulled as.`);
  const none = recordedSignatureSource({ reference: name, signedDigest: image.manifestDigest, signatures: [] });
  const decision = await evaluateWithSource(policy, { reference: parseReference(name), manifestDigest: image.manifestDigest }, none);
  return { record, decision };
}

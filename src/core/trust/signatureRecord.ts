// Signatures a pull accepted, kept beside the image in the store so that `verify --signatures`
// can check them again later without the network: one JSON file per stored manifest
// (store/derivedFiles.ts names it, and garbage collection removes it with the manifest). It records
// the reference and digest that were verified (for a multi-platform image, the index's digest,
// which is what signers sign) and each accepted signature's bytes. Like `docker save` and skopeo's
// `oci:` copies, archives do not carry these records.

import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { StevedoreError } from '../errors';
import { formatReference, parseReference, type ImageReference } from '../reference/reference';
import { writeFileAtomic } from '../store/atomicFile';
import { signatureRecordPath } from '../store/derivedFiles';
import type { StoreLayout } from '../store/layout';
import type { PolicyDecision, SignatureSource, SignatureVerdict } from './evaluatePolicy';

export interface SignatureRecord {
  /** The reference as pulled. */
  reference: string;
  /** The digest the signatures cover. */
  signedDigest: string;
  signatures: { format: SignatureVerdict['format']; source: string; signer?: string; bytes?: string; payload?: string; signature?: string }[];
}

export function recordFromDecision(reference: ImageReference, signedDigest: string, decision: PolicyDecision): SignatureRecord | undefined {
  const signatures = decision.requirements.flatMap((r) => r.signatures).filter((s) => s.accepted && s.material);
  if (signatures.length === 0) return undefined;
  return {
    reference: formatReference(reference),
    signedDigest,
    signatures: signatures.map((s) => ({ format: s.format, source: s.source, ...(s.signer ? { signer: s.signer } : {}), ...s.material })),
  };
}

export async function writeSignatureRecord(layout: StoreLayout, manifestDigest: string, record: SignatureRecord): Promise<void> {
  const path = signatureRecordPath(layout, manifestDigest);
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, `${JSON.stringify(record, null, 2)}\n`);
}

export async function readSignatureRecord(layout: StoreLayout, manifestDigest: string): Promise<SignatureRecord | undefined> {
  let text: string;
  try {
    text = await readFile(signatureRecordPath(layout, manifestDigest), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const record = JSON.parse(text) as SignatureRecord;
    if (typeof record.reference !== 'string' || typeof record.signedDigest !== 'string' || !Array.isArray(record.signatures)) throw new Error('fields missing');
    return record;
  } catch (err) {
    throw new StevedoreError('STORE_CORRUPT', `The signature record of ${manifestDigest} in the store is damaged (${(err as Error).message}); pull the image again to record its signatures.`);
  }
}

/** The recorded signatures as a source for evaluateWithSource: offline, nothing else is looked at. */
export function recordedSignatureSource(record: SignatureRecord): SignatureSource {
  const from = (format: SignatureVerdict['format']) => record.signatures.filter((s) => s.format === format);
  const buf = (b64: string | undefined): Buffer => Buffer.from(b64 ?? '', 'base64');
  return {
    simple: async () => from('simple-signing').map((s) => ({ source: s.source, bytes: buf(s.bytes) })),
    sigstoreEnabled: true,
    sigstore: async () => from('sigstore').map((s) => ({ source: s.source, payload: buf(s.payload), signature: buf(s.signature) })),
    bundles: async () => from('sigstore-bundle').map((s) => ({ source: s.source, bytes: buf(s.bytes) })),
    where: { simple: 'among the signatures kept in the store', sigstore: 'among the signatures kept in the store', registriesDir: 'the store' },
  };
}

export function recordReference(record: SignatureRecord): ImageReference {
  return parseReference(record.reference);
}

/** Collects a pull's accepted decisions and writes their records once the images are stored. */
export class SignatureKeeper {
  private readonly accepted = new Map<string, SignatureRecord>();

  /** For contentTrustVerifier's onAccepted. */
  readonly onAccepted = (image: { reference: ImageReference; manifestDigest: string }, decision: PolicyDecision): void => {
    const record = recordFromDecision(image.reference, image.manifestDigest, decision);
    if (record) this.accepted.set(image.manifestDigest, record);
  };

  /** Writes the record of each pulled image whose signatures were accepted (by the digest it resolved to). */
  async keep(layout: StoreLayout, pulled: readonly { digest: string; manifestDigest: string }[]): Promise<void> {
    for (const p of pulled) {
      const record = this.accepted.get(p.digest);
      if (record) await writeSignatureRecord(layout, p.manifestDigest, record);
    }
  }
}

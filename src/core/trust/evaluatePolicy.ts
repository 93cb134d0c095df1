// Deciding whether an image may be pulled: the requirements of the most specific scope, each
// checked in order (all must accept, as in c/image), with every signature's verdict kept so that a
// refusal can say why each one failed, and an acceptance which signature carried it.

import { StevedoreError } from '../errors';
import type { ProxySettings } from '../registry/proxySettings';
import type { RegistryClient } from '../registry/registryClient';
import { familiarString, formatReference, type ImageReference } from '../reference/reference';
import { loadSigstoreKeys, verifyWithKeys } from './cosignSignature';
import { loadGpgKeyring, UntrustedKey, verifyGpgSignature } from './gpgSignature';
import { requirementsFor, type AppliedScope } from './policyScopes';
import { describeRequirement, type PolicyRequirement, type SignedIdentity, type TrustPolicy } from './policyTypes';
import { lookasideFor, useSigstoreAttachments, type RegistriesConfig } from './registriesD';
import { describeIdentityRule, identityMatches } from './signedIdentity';
import { readLookasideSignatures, readSigstoreAttachments, sigstoreSignatureTag } from './signatureSources';
import { readBundleReferrers, verifyBundle } from './sigstoreBundles';
import { ATOMIC_SIGNATURE_TYPE, COSIGN_SIGNATURE_TYPE, MalformedSignature, parseSignedClaims, type SignedClaims } from './signaturePayload';

export type SignatureProblem = 'wrong-key' | 'other-digest' | 'identity-mismatch' | 'malformed';

export interface SignatureVerdict {
  format: 'simple-signing' | 'sigstore' | 'sigstore-bundle';
  /** Where it was read: a lookaside URL or "REPO:sha256-….sig, layer N". */
  source: string;
  accepted: boolean;
  problem?: SignatureProblem;
  /** Why it was not accepted, in words. */
  reason?: string;
  /** The key that made it: a GPG fingerprint or the public key's file. */
  signer?: string;
  /** The claims inside (only when the signature itself verified). */
  claims?: SignedClaims;
  /** The signature as read, base64, kept with the image when it was accepted (signatureRecord.ts). */
  material?: { bytes?: string; payload?: string; signature?: string };
}

export interface RequirementVerdict {
  requirement: PolicyRequirement;
  accepted: boolean;
  reason?: string;
  signatures: SignatureVerdict[];
}

export interface PolicyDecision {
  policy: string;
  scope: AppliedScope;
  accepted: boolean;
  /** In order, up to and including the first that refused. */
  requirements: RequirementVerdict[];
}

export interface ImageUnderPolicy {
  /** The reference as pulled (normalised, with its tag or digest). */
  reference: ImageReference;
  /** The digest of the manifest the reference resolved to (the index's, for a multi-platform image). */
  manifestDigest: string;
  client: RegistryClient;
}

export interface EvaluateOptions {
  registries: RegistriesConfig;
  proxy?: ProxySettings;
  /** CA certificates trusted besides Node's roots for https lookasides (RegistryOptions.extraCaFile). */
  extraCaFile?: string;
  signal?: AbortSignal;
}

/** Where the signatures of the image come from: the network on pull, the store's record later. */
export interface SignatureSource {
  /** Simple signatures, or 'no-lookaside' when nothing says where they live. */
  simple(): Promise<{ source: string; bytes: Buffer }[] | 'no-lookaside'>;
  /** False when registries.d does not allow reading Sigstore signatures from the registry. */
  sigstoreEnabled: boolean;
  sigstore(): Promise<{ source: string; payload: Buffer; signature: Buffer | undefined }[]>;
  bundles(): Promise<{ source: string; bytes: Buffer }[]>;
  /** Names the places looked at, for "no signature exists" messages. */
  where: { simple: string; sigstore: string; registriesDir: string };
}

/** Signatures read from the lookaside and the registry, as a pull reads them. */
export function networkSignatureSource(image: ImageUnderPolicy, options: EvaluateOptions): SignatureSource {
  const base = lookasideFor(options.registries, image.reference);
  return {
    simple: async () => (base ? readLookasideSignatures(base, image.reference, image.manifestDigest, options) : 'no-lookaside'),
    sigstoreEnabled: useSigstoreAttachments(options.registries, image.reference),
    sigstore: () => readSigstoreAttachments(image.client, image.reference, image.manifestDigest, options.signal),
    bundles: () => readBundleReferrers(image.client, image.reference, image.manifestDigest, options.signal),
    where: {
      simple: `under ${base ?? '(no lookaside)'}`,
      sigstore: `as the tag ${sigstoreSignatureTag(image.manifestDigest)} or as referrers`,
      registriesDir: options.registries.dir ?? 'no registries.d folder',
    },
  };
}

export async function evaluatePolicy(policy: TrustPolicy, image: ImageUnderPolicy, options: EvaluateOptions): Promise<PolicyDecision> {
  return evaluateWithSource(policy, image, networkSignatureSource(image, options));
}

/** `examineAll` checks every signature (for listing them) instead of stopping at the first accepted. */
export async function evaluateWithSource(policy: TrustPolicy, image: Omit<ImageUnderPolicy, 'client'>, source: SignatureSource, examineAll = false): Promise<PolicyDecision> {
  const scope = requirementsFor(policy, image.reference);
  const decision: PolicyDecision = { policy: policy.source, scope, accepted: true, requirements: [] };
  for (const requirement of scope.requirements) {
    const verdict = await checkRequirement(requirement, image, source, examineAll);
    decision.requirements.push(verdict);
    if (!verdict.accepted) {
      decision.accepted = false;
      break;
    }
  }
  return decision;
}

async function checkRequirement(requirement: PolicyRequirement, image: Omit<ImageUnderPolicy, 'client'>, source: SignatureSource, examineAll: boolean): Promise<RequirementVerdict> {
  switch (requirement.type) {
    case 'insecureAcceptAnything':
      return { requirement, accepted: true, signatures: [] };
    case 'reject':
      return { requirement, accepted: false, reason: `Running image ${formatReference(image.reference)} is rejected by policy.`, signatures: [] };
    case 'signedBy': {
      const found = await source.simple();
      if (found === 'no-lookaside') {
        return { requirement, accepted: false, signatures: [], reason: `A signature was required, but no signature exists: registries.d (${source.where.registriesDir}) names no lookaside for this image, so there is nowhere to read simple signatures from` };
      }
      const keyring = await loadGpgKeyring(requirement.keys);
      const signatures: SignatureVerdict[] = [];
      for (const sig of found) {
        const verdict = await checkGpg(sig.source, sig.bytes, keyring, requirement.signedIdentity, image);
        if (verdict.accepted) verdict.material = { bytes: sig.bytes.toString('base64') };
        signatures.push(verdict);
        if (verdict.accepted && !examineAll) return { requirement, accepted: true, signatures };
      }
      if (signatures.some((v) => v.accepted)) return { requirement, accepted: true, signatures };
      return { requirement, accepted: false, signatures, reason: summary(signatures, source.where.simple) };
    }
    case 'sigstoreSigned': {
      if (!source.sigstoreEnabled) {
        return {
          requirement,
          accepted: false,
          signatures: [],
          reason: `A signature was required, but no signature exists: Sigstore signatures are read only where registries.d sets use-sigstore-attachments: true (as podman and skopeo do), and ${source.where.registriesDir} does not for this image`,
        };
      }
      const keys = await loadSigstoreKeys(requirement.keys);
      const signatures: SignatureVerdict[] = [];
      for (const sig of await source.sigstore()) {
        const verdict = checkSigstore(sig.source, sig.payload, sig.signature, keys, requirement.signedIdentity, image);
        if (verdict.accepted) verdict.material = { payload: sig.payload.toString('base64'), signature: sig.signature!.toString('base64') };
        signatures.push(verdict);
        if (verdict.accepted && !examineAll) return { requirement, accepted: true, signatures };
      }
      for (const bundle of await source.bundles()) {
        const verdict = checkBundle(bundle.source, bundle.bytes, keys, requirement.signedIdentity, image);
        if (verdict.accepted) verdict.material = { bytes: bundle.bytes.toString('base64') };
        signatures.push(verdict);
        if (verdict.accepted && !examineAll) return { requirement, accepted: true, signatures };
      }
      if (signatures.some((v) => v.accepted)) return { requirement, accepted: true, signatures };
      return { requirement, accepted: false, signatures, reason: summary(signatures, source.where.sigstore) };
    }
  }
}

async function checkGpg(source: string, bytes: Buffer, keyring: Awaited<ReturnType<typeof loadGpgKeyring>>, rule: SignedIdentity, image: Omit<ImageUnderPolicy, 'client'>): Promise<SignatureVerdict> {
  const base = { format: 'simple-signing' as const, source };
  let verified: { payload: Uint8Array; fingerprint: string };
  try {
    verified = await verifyGpgSignature(bytes, keyring);
  } catch (err) {
    if (err instanceof UntrustedKey) return { ...base, accepted: false, problem: 'wrong-key', reason: `Signature by key ${err.keyId.toUpperCase()} is not accepted: the policy trusts only ${keyring.fingerprints.join(', ')}`, signer: err.keyId.toUpperCase() };
    if (err instanceof MalformedSignature) return { ...base, accepted: false, problem: 'malformed', reason: `Invalid signature: ${err.message}` };
    throw err;
  }
  return checkClaims({ ...base, signer: verified.fingerprint }, verified.payload, ATOMIC_SIGNATURE_TYPE, rule, image);
}

function checkSigstore(source: string, payload: Buffer, signature: Buffer | undefined, keys: Awaited<ReturnType<typeof loadSigstoreKeys>>, rule: SignedIdentity, image: Omit<ImageUnderPolicy, 'client'>): SignatureVerdict {
  const base = { format: 'sigstore' as const, source };
  if (!signature || signature.length === 0) return { ...base, accepted: false, problem: 'malformed', reason: 'Invalid signature: the layer has no dev.cosignproject.cosign/signature annotation' };
  const key = verifyWithKeys(payload, signature, keys);
  if (!key) return { ...base, accepted: false, problem: 'wrong-key', reason: `cryptographic signature verification failed: it was not made by ${keys.map((k) => k.name).join(' or ')}` };
  return checkClaims({ ...base, signer: key.name }, payload, COSIGN_SIGNATURE_TYPE, rule, image);
}

/**
 * A bundle names no tag, only the repository of its in-toto subject, so its identity is checked at
 * repository level: the repository the rule wants (after remapIdentity, or the one exactReference
 * and exactRepository name) must be the subject's.
 */
function checkBundle(source: string, bytes: Buffer, keys: Awaited<ReturnType<typeof loadSigstoreKeys>>, rule: SignedIdentity, image: Omit<ImageUnderPolicy, 'client'>): SignatureVerdict {
  const base = { format: 'sigstore-bundle' as const, source };
  let verified: ReturnType<typeof verifyBundle>;
  try {
    verified = verifyBundle(bytes, keys);
  } catch (err) {
    if (err instanceof MalformedSignature) return { ...base, accepted: false, problem: 'malformed', reason: `Invalid signature: ${err.message}` };
    throw err;
  }
  if (!verified) return { ...base, accepted: false, problem: 'wrong-key', reason: `cryptographic signature verification failed: the bundle was not signed by ${keys.map((k) => k.name).join(' or ')}` };
  const hex = image.manifestDigest.replace(/^sha256:/, '');
  const subject = verified.subjects.find((s) => s.sha256 === hex);
  const signer = verified.key.name;
  if (!subject) {
    const other = verified.subjects.find((s) => s.sha256)?.sha256;
    return { ...base, signer, accepted: false, problem: 'other-digest', reason: `Signature for digest ${other ? `sha256:${other}` : '(none)'} does not match: the image is ${image.manifestDigest}` };
  }
  const claims = { dockerReference: subject.name, manifestDigest: image.manifestDigest };
  const asRepository: SignedIdentity =
    rule.type === 'exactReference' ? { type: 'exactRepository', dockerRepository: rule.dockerReference.replace(/(@.*|:[^/:]*)$/, '') } : rule.type === 'exactRepository' || rule.type === 'remapIdentity' ? rule : { type: 'matchRepository' };
  const byDigest = { ...image.reference, digest: image.manifestDigest };
  delete byDigest.tag;
  if (!subject.name || !identityMatches(asRepository, byDigest, subject.name)) {
    return { ...base, signer, claims, accepted: false, problem: 'identity-mismatch', reason: `Signature for identity ${subject.name || '(no name)'} is not accepted: the bundle must name ${describeIdentityRule(asRepository, byDigest)}` };
  }
  return { ...base, signer, claims, accepted: true };
}

/** Digest before identity, as c/image checks them. */
function checkClaims(base: Omit<SignatureVerdict, 'accepted'>, payload: Uint8Array, type: string, rule: SignedIdentity, image: Omit<ImageUnderPolicy, 'client'>): SignatureVerdict {
  let claims: SignedClaims;
  try {
    claims = parseSignedClaims(payload, type);
  } catch (err) {
    if (err instanceof MalformedSignature) return { ...base, accepted: false, problem: 'malformed', reason: `Invalid signature: ${err.message}` };
    throw err;
  }
  if (claims.manifestDigest !== image.manifestDigest) {
    return { ...base, claims, accepted: false, problem: 'other-digest', reason: `Signature for digest ${claims.manifestDigest} does not match: the image is ${image.manifestDigest}` };
  }
  if (!identityMatches(rule, image.reference, claims.dockerReference)) {
    return { ...base, claims, accepted: false, problem: 'identity-mismatch', reason: `Signature for identity ${claims.dockerReference} is not accepted: signedIdentity ${rule.type} wants ${describeIdentityRule(rule, image.reference)}` };
  }
  return { ...base, claims, accepted: true };
}

function summary(signatures: readonly SignatureVerdict[], where: string): string {
  if (signatures.length === 0) return `A signature was required, but no signature exists (looked ${where})`;
  if (signatures.length === 1) return signatures[0]!.reason!;
  return `None of the signatures were accepted, reasons: ${signatures.map((s) => s.reason).join('; ')}`;
}

/** The error a refused pull fails with: the scope, the requirement, and each signature's reason. */
export function rejectionError(decision: PolicyDecision, image: ImageReference): StevedoreError {
  const failed = decision.requirements[decision.requirements.length - 1]!;
  const lines = [
    `Source image rejected: ${familiarString(image)} is refused by the signature policy ${decision.policy}.`,
    `  scope: ${decision.scope.where}; requirement: ${describeRequirement(failed.requirement)}`,
    `  ${failed.reason ?? 'refused'}`,
  ];
  if (failed.signatures.length > 1) for (const s of failed.signatures) lines.push(`  - ${s.source}: ${s.reason}`);
  else if (failed.signatures.length === 1) lines.push(`  (signature read from ${failed.signatures[0]!.source})`);
  lines.push(
    failed.requirement.type === 'reject'
      ? 'Nothing was stored. The policy forbids this image; change the policy if that is wrong.'
      : 'Nothing was stored. Check that the image is signed with a key the policy trusts and that registries.d points at its signatures, or pull with --disable-content-trust to skip signature checks for this pull.',
  );
  return new StevedoreError('SIGNATURE_REJECTED', lines.join('\n'), {
    detail: {
      policy: decision.policy,
      scope: decision.scope.scope,
      requirement: failed.requirement.type,
      problems: failed.signatures.map((s) => s.problem ?? 'accepted'),
    },
  });
}

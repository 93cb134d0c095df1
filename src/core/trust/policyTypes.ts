// The containers trust policy (containers-policy.json(5)) as podman, skopeo and CRI-O read it:
// requirements per transport and scope, each one deciding whether an image may be used.

/** How a signature's claimed docker-reference must relate to the reference being pulled. */
export type SignedIdentity =
  | { type: 'matchExact' }
  | { type: 'matchRepoDigestOrExact' }
  | { type: 'matchRepository' }
  | { type: 'exactReference'; dockerReference: string }
  | { type: 'exactRepository'; dockerRepository: string }
  | { type: 'remapIdentity'; prefix: string; signedPrefix: string };

/** A public key (or keyring) named by a policy: a file, or the bytes written into the policy. */
export type KeySource = { path: string } | { data: Buffer };

export type PolicyRequirement =
  | { type: 'insecureAcceptAnything' }
  | { type: 'reject' }
  | { type: 'signedBy'; keyType: 'GPGKeys'; keys: KeySource[]; signedIdentity: SignedIdentity }
  | { type: 'sigstoreSigned'; keys: KeySource[]; signedIdentity: SignedIdentity };

export interface TrustPolicy {
  /** The file it was read from, named in messages. */
  source: string;
  default: PolicyRequirement[];
  /** transport name → scope → requirements; the scope "" is the transport's own default. */
  transports: Record<string, Record<string, PolicyRequirement[]>>;
}

/** Whether a requirement can only be met by a valid signature. */
export function requiresSignature(r: PolicyRequirement): boolean {
  return r.type === 'signedBy' || r.type === 'sigstoreSigned';
}

/** One line naming a requirement, as messages show it. */
export function describeRequirement(r: PolicyRequirement): string {
  const keys = (list: KeySource[]): string => list.map((k) => ('path' in k ? k.path : 'keyData')).join(', ');
  switch (r.type) {
    case 'signedBy':
      return `signedBy (GPG keys: ${keys(r.keys)}; signedIdentity ${r.signedIdentity.type})`;
    case 'sigstoreSigned':
      return `sigstoreSigned (public keys: ${keys(r.keys)}; signedIdentity ${r.signedIdentity.type})`;
    default:
      return r.type;
  }
}

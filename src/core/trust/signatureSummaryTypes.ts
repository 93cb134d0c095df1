// The shapes of signatureSummary.ts's result, in a file of their own with no imports: the inspector
// webview (browser code) receives them and type-checks against them without pulling in Node code.

export interface SignatureLine {
  format: 'simple-signing' | 'sigstore' | 'sigstore-bundle';
  /** The GPG key fingerprint or public key file that verified it. */
  signer?: string;
  /** The reference the signature claims (critical.identity.docker-reference). */
  identity?: string;
  /** The manifest digest it covers. */
  digest?: string;
  /** Where it was read when the image was pulled. */
  source: string;
  accepted: boolean;
  reason?: string;
}

export interface PolicyCheck {
  /** The policy file. */
  policy: string;
  /** 'transports.docker["host/repo"]' or 'default'. */
  scope: string;
  requirements: string[];
  accepted: boolean;
  reason?: string;
  signatures: SignatureLine[];
}

export interface SignatureSummary {
  /** How many signatures are kept with the image; 0: unsigned. */
  kept: number;
  /** The reference and digest the kept signatures were verified for on pull. */
  signedAs?: { reference: string; digest: string };
  /** One per policy in effect; empty when there is no policy file at all. */
  checks: PolicyCheck[];
}

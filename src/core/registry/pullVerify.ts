// The pull's second stage: the content-trust seam. A resolved image becomes a VerifiedImage only
// here, and the fetch stage takes nothing else, so no code path can fetch or store an image the
// policy was not asked about. The check itself (trust/contentTrust.ts: policy.json, registries.d,
// GPG and sigstore signatures) is passed in; throwing refuses the image before anything is stored.

import { throwIfAborted } from '../errors';
import type { ResolvedImage } from './pullResolve';

/** Judges the resolved digest; returns what it decided (kept with the image), or throws to refuse it. */
export type PullVerifyStage = (image: ResolvedImage, signal?: AbortSignal) => Promise<unknown>;

declare const verifiedBrand: unique symbol;

export interface VerifiedImage extends ResolvedImage {
  /** What the verify stage returned (the policy's decision); undefined when no check was asked for. */
  readonly verification: unknown;
  readonly [verifiedBrand]: true;
}

export async function verifyPull(image: ResolvedImage, verify: PullVerifyStage | undefined, signal?: AbortSignal): Promise<VerifiedImage> {
  const verification = verify ? await verify(image, signal) : undefined;
  throwIfAborted(signal);
  return { ...image, verification } as VerifiedImage;
}

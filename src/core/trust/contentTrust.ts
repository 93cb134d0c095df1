// The verify stage of a pull, as the CLI and the extension set it up: the policy and registries.d
// read once per command, Docker's switches honoured, and every notice said once.
//   --disable-content-trust, DOCKER_CONTENT_TRUST=0   skip signature checks (and say so)
//   DOCKER_CONTENT_TRUST=1                            Docker's Notary v1 is not supported: refuse
//                                                     unless the policy requires a signature here
//   no policy file at all                             accept, saying that nothing is verified

import { StevedoreError } from '../errors';
import { deferredCaFile } from '../http/deferredCaEnv';
import type { ProxySettings } from '../registry/proxySettings';
import { familiarString } from '../reference/reference';
import { evaluatePolicy, rejectionError, type ImageUnderPolicy, type PolicyDecision } from './evaluatePolicy';
import { defaultPolicyPaths, loadPolicy } from './policyFile';
import { requirementsFor } from './policyScopes';
import { requiresSignature, type TrustPolicy } from './policyTypes';
import { loadRegistriesConfig, type RegistriesConfig } from './registriesD';

export interface ContentTrustSettings {
  env: NodeJS.ProcessEnv;
  /** --signature-policy FILE */
  policyPath?: string;
  /** --registries.d DIR */
  registriesDir?: string;
  /** --disable-content-trust was given. */
  disable?: boolean;
  proxy?: ProxySettings;
  /** The policy files looked for without --signature-policy (default: defaultPolicyPaths). */
  policySearchPaths?: readonly string[];
  /** Told of each accepted decision, to keep its signatures with the image (signatureRecord.ts). */
  onAccepted?: (image: ImageUnderPolicy, decision: PolicyDecision) => void;
  /** Where notices go (stderr for the CLI, the log for the extension); each is given once. */
  notice: (message: string) => void;
}

/** Returns the decision, or undefined when signatures were not checked; throws to refuse. */
export type PullVerifier = (image: ImageUnderPolicy, signal?: AbortSignal) => Promise<PolicyDecision | undefined>;

/** DOCKER_CONTENT_TRUST as Docker reads it: unset/empty, a false value, or anything else (on). */
export function dockerContentTrust(env: NodeJS.ProcessEnv): 'unset' | 'off' | 'on' {
  const value = env.DOCKER_CONTENT_TRUST;
  if (value === undefined || value === '') return 'unset';
  return /^(0|f|F|false|FALSE|False)$/.test(value) ? 'off' : 'on';
}

export function contentTrustVerifier(settings: ContentTrustSettings): PullVerifier {
  const said = new Set<string>();
  const notice = (message: string): void => {
    if (said.has(message)) return;
    said.add(message);
    settings.notice(message);
  };
  let policy: Promise<TrustPolicy | undefined> | undefined;
  let registries: Promise<RegistriesConfig> | undefined;
  const dct = dockerContentTrust(settings.env);
  const searchPaths = settings.policySearchPaths ?? defaultPolicyPaths(settings.env);
  return async (image, signal) => {
    if (settings.disable || dct === 'off') {
      notice(`Signature verification skipped (${settings.disable ? '--disable-content-trust' : 'DOCKER_CONTENT_TRUST=0'}): only digests are checked.`);
      return undefined;
    }
    policy ??= loadPolicy(settings.env, settings.policyPath, searchPaths);
    const loaded = await policy;
    if (!loaded) {
      if (dct === 'on') throw notaryUnsupported(image, `no signature policy exists (${searchPaths.join(', ')})`);
      notice(`No signature policy found (${searchPaths.join(', ')}): images are pulled without verifying signatures. See "Content trust" in the README to require them.`);
      return undefined;
    }
    if (dct === 'on' && !requirementsFor(loaded, image.reference).requirements.some(requiresSignature)) {
      const scope = requirementsFor(loaded, image.reference);
      throw notaryUnsupported(image, `the signature policy ${loaded.source} requires no signature for it (scope ${scope.where})`);
    }
    registries ??= loadRegistriesConfig(settings.env, settings.registriesDir);
    const extraCaFile = deferredCaFile(settings.env);
    const decision = await evaluatePolicy(loaded, image, { registries: await registries, ...(settings.proxy ? { proxy: settings.proxy } : {}), ...(extraCaFile ? { extraCaFile } : {}), ...(signal ? { signal } : {}) });
    if (!decision.accepted) throw rejectionError(decision, image.reference);
    settings.onAccepted?.(image, decision);
    return decision;
  };
}

function notaryUnsupported(image: ImageUnderPolicy, why: string): StevedoreError {
  const repo = `${image.reference.domain}/${image.reference.path}`;
  return new StevedoreError(
    'CONTENT_TRUST_UNSUPPORTED',
    [
      `DOCKER_CONTENT_TRUST=1 asks for Docker Content Trust (Notary v1), which Stevedore does not support, and ${why}; ${familiarString(image.reference)} was not pulled.`,
      'Stevedore verifies Sigstore (cosign) and simple-signing (GPG) signatures under a containers policy.json instead, as podman and skopeo do. To require them, write ~/.config/containers/policy.json, e.g.',
      `  {"default": [{"type": "reject"}], "transports": {"docker": {"${repo}": [{"type": "sigstoreSigned", "keyPath": "/path/to/cosign.pub"}]}}}`,
      'and say where signatures live in ~/.config/containers/registries.d (see "Content trust" in the README). Or unset DOCKER_CONTENT_TRUST, or pass --disable-content-trust to pull without signature checks.',
    ].join('\n'),
  );
}

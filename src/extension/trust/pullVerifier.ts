// The signature check of the extension's pulls: the same policy.json and registries.d as the CLI,
// podman and skopeo. `stevedore.trust.policyPath` adds a policy of the user's; it is checked on top
// of the machine's own (~/.config/containers/policy.json, /etc/containers/policy.json), never
// instead of it, so a setting cannot weaken what the system requires.

import * as vscode from 'vscode';
import { StevedoreError } from '../../core/errors';
import { contentTrustVerifier, type PullVerifier } from '../../core/trust/contentTrust';
import { SYSTEM_POLICY_PATH } from '../../core/trust/policyFile';
import type { SignatureKeeper } from '../../core/trust/signatureRecord';
import { attachActions } from '../errorActions';
import type { Services } from '../services';

/** `keeper` collects the accepted signatures, to be kept with the pulled image (signatureRecord.ts). */
export function pullVerifier(services: Services, options: { disable?: boolean; keeper?: SignatureKeeper } = {}): PullVerifier {
  const settings = services.settings();
  const notice = (message: string): void => services.log.info(message);
  const base = {
    env: process.env,
    notice,
    ...(settings.trustRegistriesDir ? { registriesDir: settings.trustRegistriesDir } : {}),
    ...(options.disable ? { disable: true } : {}),
    ...(options.keeper ? { onAccepted: options.keeper.onAccepted } : {}),
    proxy: settings.proxy,
  };
  const system = contentTrustVerifier(base);
  const own = settings.trustPolicyPath ? contentTrustVerifier({ ...base, policyPath: settings.trustPolicyPath }) : undefined;
  return async (image, signal) => {
    const mine = own ? await own(image, signal) : undefined;
    const theirs = await system(image, signal);
    return mine ?? theirs;
  };
}

/**
 * Buttons for a pull the policy refused: open the policy that refused it, and, unless that is the
 * machine-wide policy an administrator owns, pull this once without checking signatures.
 */
export function withTrustActions(err: unknown, reference: string): unknown {
  if (!(err instanceof StevedoreError) || err.code !== 'SIGNATURE_REJECTED') return err;
  const policy = typeof err.detail?.policy === 'string' ? err.detail.policy : undefined;
  const actions = [];
  if (policy) actions.push({ title: 'Open Policy', command: 'vscode.open', args: [vscode.Uri.file(policy)] });
  if (policy !== SYSTEM_POLICY_PATH) actions.push({ title: 'Pull Without Verification', command: 'stevedore.pullImage', args: [{ reference, disableContentTrust: true }] });
  return attachActions(err, actions);
}

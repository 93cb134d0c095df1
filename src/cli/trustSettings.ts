// The signature-policy settings of commands that pull (pull, build's FROM): flags and environment.
//   --signature-policy FILE   the policy (default ~/.config/containers/policy.json, then /etc/containers/policy.json)
//   --registries.d DIR        where signatures live (default ~/.config/containers/registries.d when it exists, else /etc/containers/registries.d)
//   --disable-content-trust   skip signature checks; DOCKER_CONTENT_TRUST=0 too; DOCKER_CONTENT_TRUST=1 needs a policy requiring signatures

import { proxySettingsFromEnv } from '../core/registry/proxySettings';
import { contentTrustVerifier, type PullVerifier } from '../core/trust/contentTrust';
import type { SignatureKeeper } from '../core/trust/signatureRecord';
import type { FlagSpec, FlagValues } from './args';
import { boolFlag, stringFlag } from './command';
import type { CliContext } from './context';

export const SIGNATURE_POLICY_FLAG: FlagSpec = { name: 'signature-policy', kind: 'string', valueName: 'path', description: 'Trust policy file (default ~/.config/containers/policy.json, else /etc/containers/policy.json)' };
export const REGISTRIES_D_FLAG: FlagSpec = { name: 'registries.d', kind: 'string', valueName: 'dir', description: 'Folder of registries.d files saying where signatures live' };

export const TRUST_FLAGS: FlagSpec[] = [
  { name: 'disable-content-trust', kind: 'bool', description: 'Skip signature verification (digests are always verified)' },
  SIGNATURE_POLICY_FLAG,
  REGISTRIES_D_FLAG,
];

export function pullVerifier(ctx: CliContext, flags: FlagValues, keeper?: SignatureKeeper): PullVerifier {
  const policyPath = stringFlag(flags, 'signature-policy');
  const registriesDir = stringFlag(flags, 'registries.d');
  return contentTrustVerifier({
    env: ctx.env,
    ...(policyPath ? { policyPath } : {}),
    ...(registriesDir ? { registriesDir } : {}),
    disable: boolFlag(flags, 'disable-content-trust'),
    proxy: proxySettingsFromEnv(ctx.env),
    notice: (message) => ctx.stderr.write(`${message}\n`),
    ...(keeper ? { onAccepted: keeper.onAccepted } : {}),
  });
}

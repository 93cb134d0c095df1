// The policies the extension's pulls are checked under, for showing signatures: the user's own
// (`stevedore.trust.policyPath`) and the machine's (~/.config/containers/policy.json, else
// /etc/containers/policy.json), as pullVerifier.ts applies them — both, the setting never instead.

import { loadPolicy } from '../../core/trust/policyFile';
import type { TrustPolicy } from '../../core/trust/policyTypes';
import type { StevedoreSettings } from '../settings';

export async function policiesInEffect(settings: StevedoreSettings, env: NodeJS.ProcessEnv = process.env): Promise<TrustPolicy[]> {
  const policies: TrustPolicy[] = [];
  if (settings.trustPolicyPath) {
    const own = await loadPolicy(env, settings.trustPolicyPath);
    if (own) policies.push(own);
  }
  const machine = await loadPolicy(env);
  if (machine) policies.push(machine);
  return policies;
}

// `stevedore trust show IMAGE|REF` — each signature of an image with its format, signer, the
// identity and digest it claims, and whether it verifies under the signature policy (or why not),
// plus the scope and requirements that apply. An image in the store shows the signatures kept from
// its pull (offline); any other reference is resolved in its registry and its signatures fetched.

import { StevedoreError } from '../../core/errors';
import { urlAccessFromEnv } from '../../core/image/urlSource';
import { fetchManifest } from '../../core/registry/manifests';
import { familiarString, parseReference } from '../../core/reference/reference';
import { evaluateWithSource, networkSignatureSource, type PolicyDecision } from '../../core/trust/evaluatePolicy';
import { defaultPolicyPaths, loadPolicy } from '../../core/trust/policyFile';
import { describeRequirement } from '../../core/trust/policyTypes';
import { loadRegistriesConfig } from '../../core/trust/registriesD';
import { readSignatureRecord, recordedSignatureSource } from '../../core/trust/signatureRecord';
import { tabwrite } from '../format/tabwriter';
import { stringFlag, type Command } from '../command';
import { writeLine } from '../context';
import { INSECURE_REGISTRY_FLAG, withRegistries } from '../registrySettings';
import { REGISTRIES_D_FLAG, SIGNATURE_POLICY_FLAG } from '../trustSettings';

export const trustShowCommand: Command = {
  usage: 'stevedore trust show [OPTIONS] IMAGE|REF',
  minArgs: 1,
  maxArgs: 1,
  flags: [
    { name: 'format', kind: 'string', valueName: 'string', description: 'Output format: "table" (default) or "json"' },
    SIGNATURE_POLICY_FLAG,
    REGISTRIES_D_FLAG,
    INSECURE_REGISTRY_FLAG,
  ],
  async run(ctx, args, flags) {
    const format = stringFlag(flags, 'format') ?? 'table';
    if (format !== 'table' && format !== 'json') throw new StevedoreError('INVALID_ARGUMENT', `--format must be "table" or "json" (got "${format}").`);
    const policy = await loadPolicy(ctx.env, stringFlag(flags, 'signature-policy'));
    if (!policy) throw new StevedoreError('INVALID_POLICY', `No signature policy found (${defaultPolicyPaths(ctx.env).join(', ')}): there are no keys to check signatures with. Write one or give --signature-policy FILE.`);
    const store = await ctx.openStore();
    const local = await store.find(args[0]!).catch((err: unknown) => {
      if (err instanceof StevedoreError && err.code === 'IMAGE_NOT_FOUND') return undefined;
      throw err;
    });
    let decision: PolicyDecision;
    let digest: string;
    let reference;
    let where: string;
    if (local) {
      const record = await readSignatureRecord(store.layout, local.manifestDigest);
      reference = parseReference(record?.reference ?? local.refs[0] ?? args[0]!);
      digest = record?.signedDigest ?? local.manifestDigest;
      where = 'kept in the store';
      decision = await evaluateWithSource(policy, { reference, manifestDigest: digest }, recordedSignatureSource(record ?? { reference: '', signedDigest: digest, signatures: [] }), true);
    } else {
      reference = parseReference(args[0]!);
      const ref = reference;
      const registries = await loadRegistriesConfig(ctx.env, stringFlag(flags, 'registries.d'));
      ({ decision, digest } = await withRegistries(ctx, flags, async (clients) => {
        const client = clients.for(ref.domain);
        const top = await fetchManifest(client, { repository: ref.path, reference: ref.digest ?? ref.tag ?? 'latest', display: familiarString(ref) }, ctx.signal);
        const image = { reference: ref, manifestDigest: top.digest, client };
        const source = networkSignatureSource(image, { registries, ...urlAccessFromEnv(ctx.env), signal: ctx.signal });
        return { decision: await evaluateWithSource(policy, image, source, true), digest: top.digest };
      }));
      where = 'in the registry and lookaside';
    }
    const signatures = decision.requirements.flatMap((r) => r.signatures);
    if (format === 'json') {
      const json = {
        reference: familiarString(reference),
        digest,
        policy: policy.source,
        scope: decision.scope.scope,
        requirements: decision.scope.requirements.map(describeRequirement),
        accepted: decision.accepted,
        ...(decision.accepted ? {} : { reason: decision.requirements[decision.requirements.length - 1]?.reason }),
        signatures: signatures.map(({ material: _material, ...rest }) => rest),
      };
      writeLine(ctx.stdout, JSON.stringify(json, null, 2));
      return 0;
    }
    writeLine(ctx.stdout, `${familiarString(reference)} (${digest}): signatures ${where}`);
    if (signatures.length === 0) writeLine(ctx.stdout, 'No signatures.');
    else {
      const rows = ['FORMAT\tSIGNER\tIDENTITY\tCOVERS\tRESULT', ...signatures.map((s) => `${s.format}\t${s.signer ?? '-'}\t${s.claims?.dockerReference ?? '-'}\t${s.claims?.manifestDigest ?? '-'}\t${s.accepted ? 'verified' : `✗ ${s.reason ?? 'refused'}`}`)];
      ctx.stdout.write(tabwrite(rows));
    }
    writeLine(ctx.stdout, `Policy ${policy.source}, ${decision.scope.where}: ${decision.scope.requirements.map(describeRequirement).join('; ')}`);
    const last = decision.requirements[decision.requirements.length - 1];
    writeLine(ctx.stdout, decision.accepted ? 'Result: accepted' : `Result: refused (${last?.reason ?? 'refused'})`);
    return 0;
  },
};

// `stevedore verify IMAGE` — recompute every digest of an image from the bytes in the store (the
// manifest's, the config's, each layer's compressed digest and diffID) and compare each with what
// the manifest and config say. Exit status 1 when any differs or is missing. With --signatures,
// the signatures kept when the image was pulled are checked again, offline, under the policy in
// effect now (trust/recheckSignatures.ts).

import { humanSize } from '../../core/format/humanSize';
import { tabwrite } from '../format/tabwriter';
import { verifyImage, type DigestCheck } from '../../core/layers/verifyImage';
import type { Image } from '../../core/image/image';
import type { TransferListener } from '../../core/transfer/transferEvent';
import { StevedoreError } from '../../core/errors';
import type { ImageRecord, ImageStore } from '../../core/store/imageStore';
import { rejectionError } from '../../core/trust/evaluatePolicy';
import { defaultPolicyPaths, loadPolicy } from '../../core/trust/policyFile';
import { describeRequirement } from '../../core/trust/policyTypes';
import { recheckSignatures } from '../../core/trust/recheckSignatures';
import { parseReference } from '../../core/reference/reference';
import { boolFlag, stringFlag, type Command } from '../command';
import type { CliContext } from '../context';
import { writeLine } from '../context';
import { ENGINE_FLAG, ENGINE_HOST_FLAGS } from '../engineSettings';
import { imageForCli } from '../imageForCli';
import { bytesOf, progressLine } from '../layerProgress';
import { SIGNATURE_POLICY_FLAG } from '../trustSettings';

export const verifyCommand: Command = {
  usage: 'stevedore verify [OPTIONS] IMAGE',
  minArgs: 1,
  maxArgs: 1,
  flags: [
    { name: 'json', kind: 'bool', description: 'Print the result as JSON' },
    { name: 'signatures', kind: 'bool', description: 'Also check the signatures kept from the pull under the signature policy' },
    SIGNATURE_POLICY_FLAG,
    ENGINE_FLAG,
    ...ENGINE_HOST_FLAGS,
  ],
  async run(ctx, args, flags) {
    const { store, record } = await imageForCli(ctx, args[0]!, stringFlag(flags, ENGINE_FLAG.name), flags);
    const image = await store.load(record);
    const progress = progressLine(ctx);
    let result;
    try {
      result = await verifyImage(image, { signal: ctx.signal, onEvent: verifyProgress(image, (text) => progress.show(text)) });
    } finally {
      progress.clear();
    }
    const signatures = boolFlag(flags, 'signatures') ? await checkSignatures(ctx, store, record, stringFlag(flags, 'signature-policy')) : undefined;
    if (boolFlag(flags, 'json')) {
      writeLine(ctx.stdout, JSON.stringify(signatures ? { ...result, signatures: signatures.json } : result, null, 2));
      return result.ok && (signatures?.ok ?? true) ? 0 : 1;
    }
    const lines = ['CHECKED\tDIGEST\tRESULT', ...result.checks.map((c) => `${label(c)}\t${c.expected ?? '<none>'}\t${verdict(c)}`)];
    ctx.stdout.write(tabwrite(lines));
    const bad = result.checks.filter((c) => c.status !== 'match');
    if (bad.length === 0) writeLine(ctx.stdout, `All ${result.checks.length} digests match (${humanSize(result.bytesRead)} read).`);
    for (const c of bad) writeLine(ctx.stderr, `Error: ${c.message ?? `${label(c)} does not match.`}`);
    if (signatures) {
      ctx.stdout.write(signatures.text);
      if (!signatures.ok) writeLine(ctx.stderr, `Error: ${signatures.error}`);
    }
    return bad.length === 0 && (signatures?.ok ?? true) ? 0 : 1;
  },
};

/**
 * "Verifying layer 2/3 1.2MB/4.5MB": the blob being read, named from the image (verify reads the
 * manifest, the config, then each layer in order), and the bytes of all blobs read so far.
 */
function verifyProgress(image: Image, show: (text: string) => void): TransferListener {
  let layersDone = 0;
  let what = '';
  return (event) => {
    if (event.kind === 'layer') {
      const blob = event.id === image.manifestDescriptor.digest ? 'manifest' : event.id === image.manifest.config.digest ? 'config' : undefined;
      what = blob ?? `layer ${layersDone + 1}/${image.manifest.layers.length}`;
      if (!blob && event.state === 'done') layersDone++;
    } else if (event.kind === 'bytes') {
      show(`Verifying ${what} ${bytesOf(event.current, event.total)}`);
    }
  };
}

function label(check: DigestCheck): string {
  switch (check.subject) {
    case 'manifest':
      return 'manifest';
    case 'config':
      return 'config (image ID)';
    case 'layer':
      return `layer ${check.layer} (compressed)`;
    case 'diffId':
      return `layer ${check.layer} (diffID)`;
  }
}

function verdict(check: DigestCheck): string {
  switch (check.status) {
    case 'match':
      return 'ok';
    case 'mismatch':
      return check.actual ? `MISMATCH: found ${check.actual}` : 'MISMATCH';
    case 'missing':
      return 'MISSING';
    case 'unreadable':
      return 'UNREADABLE';
    case 'unsupported':
      return 'NOT CHECKED (compression not supported)';
  }
}

async function checkSignatures(ctx: CliContext, store: ImageStore, image: ImageRecord, policyPath: string | undefined): Promise<{ ok: boolean; text: string; error?: string; json: unknown }> {
  const policy = await loadPolicy(ctx.env, policyPath);
  if (!policy) {
    throw new StevedoreError('INVALID_POLICY', `No signature policy found (${defaultPolicyPaths(ctx.env).join(', ')}) to check signatures against; write one or give --signature-policy FILE.`);
  }
  const { record, decision } = await recheckSignatures(store, image, policy);
  const signatures = decision.requirements.flatMap((r) => r.signatures);
  const rows = ['SIGNATURE\tSIGNER\tCOVERS\tRESULT', ...signatures.map((s) => `${s.format}\t${s.signer ?? '-'}\t${s.claims?.manifestDigest ?? '-'}\t${s.accepted ? 'verified' : (s.reason ?? 'refused')}`)];
  const scope = `${decision.scope.where}: ${decision.scope.requirements.map(describeRequirement).join(', ')}`;
  const lines = [signatures.length > 0 ? tabwrite(rows) : `No signatures were kept for this image${record ? '' : ' (it was pulled without a policy requiring them, or made here)'}.\n`];
  if (decision.accepted) lines.push(`Signatures satisfy ${policy.source} (${scope}).\n`);
  const json = { policy: policy.source, scope: decision.scope.scope, accepted: decision.accepted, signatures: signatures.map(({ material: _material, ...rest }) => rest) };
  if (decision.accepted) return { ok: true, text: lines.join(''), json };
  const reference = record ? parseReference(record.reference) : parseReference(image.refs[0]!);
  return { ok: false, text: lines.join(''), error: rejectionError(decision, reference).message.replace(/\nNothing was stored\..*$/s, ''), json };
}

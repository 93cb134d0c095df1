// `stevedore push [-a] [-q] [--sign-by FINGERPRINT] [--sign-by-sigstore-private-key FILE] NAME[:TAG]`
// — `docker push`, straight from the store; the --sign-* flags sign as skopeo and podman do
// (trust/signOnPush.ts). The key is opened and registries.d checked before anything is sent, so a
// wrong passphrase or a missing setting fails with nothing pushed.

import { readFile } from 'node:fs/promises';
import { shortId } from '../../core/shortId';
import { StevedoreError } from '../../core/errors';
import type { PushResult } from '../../core/registry/pushImage';
import { copy } from '../../core/sources/copy';
import { RegistrySource } from '../../core/sources/registrySource';
import { StoreSource } from '../../core/sources/storeSource';
import type { LayerState, TransferEvent } from '../../core/transfer/transferEvent';
import { formatReference, parseReference, repositoryName } from '../../core/reference/reference';
import { readCosignPrivateKey } from '../../core/trust/cosignPrivateKey';
import { checkCanSign, signPushedImage, type PushSigner, type SignOnPushOptions } from '../../core/trust/signOnPush';
import type { FlagValues } from '../args';
import { boolFlag, stringFlag, type Command } from '../command';
import { writeLine, type CliContext } from '../context';
import { ProgressLines } from '../progressLines';
import { ask } from '../prompt';
import { concurrencySetting, INSECURE_REGISTRY_FLAG, withRegistries } from '../registrySettings';

const PUSH_STATUS: Record<LayerState, string> = {
  queued: 'Preparing',
  waiting: 'Waiting',
  transferring: 'Pushing',
  resuming: 'Pushing',
  verifying: 'Pushing',
  done: 'Pushed',
  exists: 'Layer already exists',
  mounted: 'Mounted from',
};

export const pushCommand: Command = {
  usage: 'stevedore push [OPTIONS] NAME[:TAG]',
  minArgs: 1,
  maxArgs: 1,
  flags: [
    { name: 'all-tags', short: 'a', kind: 'bool', description: 'Push all tags of an image to the repository' },
    { name: 'disable-content-trust', kind: 'bool', default: true, description: 'Skip image signing (signing is asked for with --sign-by)' },
    { name: 'sign-by', kind: 'string', valueName: 'fingerprint', description: 'Sign the pushed image with this GPG key (through gpg), writing the signature where registries.d stages signatures' },
    { name: 'sign-by-sigstore-private-key', kind: 'string', valueName: 'file', description: 'Sign the pushed image with this cosign private key (cosign.key), attaching the signature to the registry as cosign does' },
    { name: 'sign-with-referrers', kind: 'bool', description: 'With --sign-by-sigstore-private-key: attach a Sigstore bundle as an OCI 1.1 referrer (tag-schema fallback where the registry has no referrers API) instead of the .sig tag' },
    { name: 'sign-passphrase-file', kind: 'string', valueName: 'file', description: 'Read the passphrase of the sigstore private key from this file (else COSIGN_PASSWORD, else a prompt)' },
    { name: 'sign-identity', kind: 'string', valueName: 'reference', description: 'Sign the image as this reference instead of the one pushed' },
    { name: 'registries.d', kind: 'string', valueName: 'dir', description: 'Folder of registries.d files saying where signatures are written' },
    { name: 'quiet', short: 'q', kind: 'bool', description: 'Suppress verbose output' },
    { name: 'max-concurrent-uploads', kind: 'int', valueName: 'int', description: 'Blobs uploaded at once (default 4, or STEVEDORE_MAX_CONCURRENT_UPLOADS)' },
    INSECURE_REGISTRY_FLAG,
  ],
  async run(ctx, args, flags) {
    const input = args[0]!;
    const quiet = boolFlag(flags, 'quiet');
    const allTags = boolFlag(flags, 'all-tags');
    const concurrency = concurrencySetting(ctx, flags, 'max-concurrent-uploads', 'uploads');
    const typed = parseReference(input, { defaultTag: false });
    if (allTags && (typed.tag || typed.digest)) throw new StevedoreError('INVALID_ARGUMENT', `tag can't be used with --all-tags/-a`);
    const registriesDir = stringFlag(flags, 'registries.d');
    const signers = await signersFrom(ctx, flags);
    const identityFlag = stringFlag(flags, 'sign-identity');
    if (identityFlag !== undefined && signers.length === 0) throw new StevedoreError('INVALID_ARGUMENT', '--sign-identity needs --sign-by or --sign-by-sigstore-private-key.');
    const identity = identityFlag === undefined ? undefined : parseReference(identityFlag, { defaultTag: false });
    if (identity && !identity.tag && !identity.digest) throw new StevedoreError('INVALID_ARGUMENT', `--sign-identity takes a full reference with a tag (HOST/REPO:TAG), as podman's policies match it; "${identityFlag}" has none.`);
    const store = await ctx.openStore();
    const repo = repositoryName(typed);
    let references = [formatReference(parseReference(input))];
    if (allTags) {
      references = [...new Set((await store.list()).flatMap((r) => r.refs).filter((r) => r.startsWith(`${repo}:`)))].sort();
      if (references.length === 0) throw new StevedoreError('IMAGE_NOT_FOUND', `An image does not exist locally with the tag: ${input}`);
    } else if (!quiet && !typed.tag) {
      writeLine(ctx.stdout, 'Using default tag: latest');
    }
    const display = new ProgressLines(ctx.stdout);
    const onEvent = quiet ? undefined : (event: TransferEvent): void => {
      if (event.kind !== 'layer') return;
      const status = event.state === 'mounted' ? `Mounted from ${event.from ?? ''}` : PUSH_STATUS[event.state];
      display.update(shortId(event.id), status, event.state === 'transferring' ? { current: event.current, total: event.total } : undefined);
    };
    const signing = (signer: PushSigner): SignOnPushOptions => ({ env: ctx.env, signer, signal: ctx.signal, ...(registriesDir ? { registriesDir } : {}), ...(identity ? { identity } : {}) });
    for (const signer of signers) for (const reference of references) await checkCanSign(parseReference(reference), signing(signer));
    if (!quiet) display.message(`The push refers to repository [${repo}]`);
    const results: PushResult[] = [];
    await withRegistries(ctx, flags, async (clients) => {
      for (const reference of references) {
        // A copy from the store to the registry, which is the push's own way, asking about every layer as docker push does.
        const copied = await copy(new StoreSource(store), reference, new RegistrySource(clients, { concurrency }), [reference], {
          askEachLayer: true,
          signal: ctx.signal,
          ...(onEvent ? { onEvent } : {}),
        });
        const result = copied.pushed!;
        results.push(result);
        if (!quiet) display.message(`${result.tag}: digest: ${result.digest} size: ${result.size}`);
        const pushed = parseReference(result.reference);
        for (const signer of signers) {
          if (!quiet) display.message(signer.kind === 'gpg' ? 'Signing manifest using simple signing' : signer.referrers ? 'Signing manifest using a Sigstore bundle (referrer)' : 'Signing manifest using a sigstore signature');
          const written = await signPushedImage(pushed, result.digest, clients.for(pushed.domain), signing(signer));
          if (!quiet) display.message(`Storing signature: ${written.location}`);
        }
      }
    });
    if (quiet) for (const r of results) writeLine(ctx.stdout, r.reference);
    return 0;
  },
};

async function signersFrom(ctx: CliContext, flags: FlagValues): Promise<PushSigner[]> {
  const signers: PushSigner[] = [];
  const fingerprint = stringFlag(flags, 'sign-by');
  if (fingerprint !== undefined) signers.push({ kind: 'gpg', fingerprint });
  const keyPath = stringFlag(flags, 'sign-by-sigstore-private-key');
  const passphraseFile = stringFlag(flags, 'sign-passphrase-file');
  if (keyPath === undefined) {
    if (boolFlag(flags, 'sign-with-referrers')) throw new StevedoreError('INVALID_ARGUMENT', '--sign-with-referrers attaches a sigstore signature, so it needs --sign-by-sigstore-private-key FILE.');
    if (passphraseFile !== undefined) throw new StevedoreError('INVALID_ARGUMENT', '--sign-passphrase-file is the passphrase of --sign-by-sigstore-private-key, which is not given.');
    return signers;
  }
  const passphrase = await sigstorePassphrase(ctx, keyPath, passphraseFile);
  signers.push({ kind: 'sigstore', keyPath, key: await readCosignPrivateKey(keyPath, passphrase, ctx.signal), referrers: boolFlag(flags, 'sign-with-referrers') });
  return signers;
}

/** --sign-passphrase-file (its first line, as skopeo reads it), else COSIGN_PASSWORD as cosign reads it, else a prompt. */
async function sigstorePassphrase(ctx: CliContext, keyPath: string, file: string | undefined): Promise<string> {
  if (file !== undefined) {
    try {
      return (await readFile(file, 'utf8')).split(/\r?\n/, 1)[0]!;
    } catch (err) {
      throw new StevedoreError('INVALID_ARGUMENT', `Cannot read the passphrase file ${file}: ${(err as Error).message}.`, { cause: err });
    }
  }
  const fromEnv = ctx.env.COSIGN_PASSWORD;
  if (fromEnv !== undefined) return fromEnv;
  if (!ctx.stdin.isTTY) throw new StevedoreError('INVALID_ARGUMENT', `${keyPath} needs its passphrase: give --sign-passphrase-file FILE or set COSIGN_PASSWORD (no terminal to ask on).`);
  return ask(ctx, `Passphrase for key ${keyPath}: `, true);
}

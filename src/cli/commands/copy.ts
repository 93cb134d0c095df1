// `stevedore copy SOURCE DESTINATION` — moves an image between the store, Docker, Podman, archive
// files, OCI layout folders and registries, in skopeo's transport syntax (see
// core/copy/imageLocation.ts). An image read from a registry is checked under the trust policy
// first, as pull checks it; TLS, credentials and insecure registries are pull's and push's.

import { copyImage, copyImagesTo, type CopyOptions } from '../../core/copy/copyImage';
import { describeLocation, parseImageLocation } from '../../core/copy/imageLocation';
import { parsePlatform } from '../../core/image/platform';
import type { Platform } from '../../core/image/types';
import { shortId } from '../../core/shortId';
import type { ImageStore } from '../../core/store/imageStore';
import { SignatureKeeper } from '../../core/trust/signatureRecord';
import { humanSize } from '../../core/format/humanSize';
import type { FlagValues } from '../args';
import { stringFlag, type Command } from '../command';
import { writeLine, type CliContext } from '../context';
import { ENGINE_HOST_FLAGS, withEngines } from '../engineSettings';
import { INSECURE_REGISTRY_FLAG, STALL_TIMEOUT_FLAG, withRegistries } from '../registrySettings';
import { pullVerifier, TRUST_FLAGS } from '../trustSettings';

export const copyCommand: Command = {
  usage: 'stevedore copy [OPTIONS] SOURCE [SOURCE...] DESTINATION',
  minArgs: 2,
  flags: [
    ...ENGINE_HOST_FLAGS,
    { name: 'platform', kind: 'string', valueName: 'string', description: 'Platform to copy from a multi-platform image (default: this machine\'s)' },
    ...TRUST_FLAGS,
    STALL_TIMEOUT_FLAG,
    INSECURE_REGISTRY_FLAG,
  ],
  async run(ctx, args, flags) {
    const platformText = stringFlag(flags, 'platform');
    const platform = platformText ? parsePlatform(platformText) : undefined;
    if (args.length > 2) return copySeveral(ctx, flags, args, platform);
    const source = parseImageLocation(args[0]!);
    const destination = parseImageLocation(args[1]!);
    // A copy into the store that is a pull (the same name) keeps the signatures it was accepted with, as pull does.
    const keeper = new SignatureKeeper();
    const result = await withCopyOptions(ctx, flags, source.kind === 'registry', platform, keeper, (options) => copyImage(source, destination, options));
    if (result.pulled) await keeper.keep((await ctx.openStore()).layout, [result.pulled]);
    if (result.copied && destination.kind === 'store') await keepUnderNewName(await ctx.openStore(), destination.name, result.copied, keeper);
    const id = result.id ? ` (${shortId(result.id)})` : '';
    if (result.alreadyPresent) {
      writeLine(ctx.stdout, `${describeLocation(destination)} already has the image${id}; named it ${result.names.join(', ') || 'nothing new'}, nothing copied.`);
    } else {
      writeLine(ctx.stdout, `Copied ${args[0]} to ${args[1]}${id}, ${humanSize(result.bytes)}.`);
    }
    return 0;
  },
};

/**
 * A registry image copied into the store under another name keeps the signatures it was accepted
 * with, as `tag` keeps them: the record stays with the manifest and names the reference they were
 * verified for. Only when the new name points at that very manifest (a store that had the image
 * under another manifest keeps its own, unsigned).
 */
async function keepUnderNewName(store: ImageStore, name: string, copied: { resolvedDigest: string; manifestDigest: string }, keeper: SignatureKeeper): Promise<void> {
  const record = await store.find(name);
  // What the signatures cover must be the image's manifest or a repo digest it was recorded with (a multi-platform image's index).
  const covered = [record.manifestDigest, ...record.repoDigests.map((d) => d.slice(d.indexOf('@') + 1))].includes(copied.resolvedDigest);
  if (record.manifestDigest === copied.manifestDigest && covered) await keeper.keep(store.layout, [{ digest: copied.resolvedDigest, manifestDigest: copied.manifestDigest }]);
}

/** `copy SRC SRC… ARCHIVE`: the images into one archive, each under the names it comes with. */
async function copySeveral(ctx: CliContext, flags: FlagValues, args: readonly string[], platform: Platform | undefined): Promise<number> {
  const sources = args.slice(0, -1).map(parseImageLocation);
  const destination = parseImageLocation(args[args.length - 1]!);
  const results = await withCopyOptions(ctx, flags, sources[0]!.kind === 'registry', platform, undefined, (options) => copyImagesTo(sources, destination, options));
  const bytes = results.reduce((n, r) => n + r.bytes, 0);
  writeLine(ctx.stdout, `Copied ${results.length} images to ${args[args.length - 1]} (${results.map((r) => shortId(r.id)).join(', ')}), ${humanSize(bytes)}.`);
  return 0;
}

/**
 * Runs `copy` with the engines and registries the flags name; an image read from a registry is
 * checked under the trust policy, and `keeper` (when given) holds the signatures it was accepted with.
 */
function withCopyOptions<T>(
  ctx: CliContext,
  flags: FlagValues,
  fromRegistry: boolean,
  platform: Platform | undefined,
  keeper: SignatureKeeper | undefined,
  copy: (options: CopyOptions) => Promise<T>,
): Promise<T> {
  return withEngines(ctx, flags, (engines) =>
    withRegistries(ctx, flags, (registries) =>
      copy({
        openStore: () => ctx.openStore(),
        engine: (kind) => engines.get(kind),
        registries: () => registries,
        ...(fromRegistry ? { verify: pullVerifier(ctx, flags, keeper) } : {}),
        ...(platform ? { platform } : {}),
        signal: ctx.signal,
      }),
    ),
  );
}

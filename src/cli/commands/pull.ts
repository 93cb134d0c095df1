// `stevedore pull [-a] [-q] [--platform os/arch[/variant]] NAME[:TAG|@DIGEST]` — `docker pull`,
// with no daemon: layers go straight into the store, verified as they stream. Signatures are checked
// under the containers trust policy first (trustSettings.ts); a refused image writes nothing.

import { shortId } from '../../core/shortId';
import { parsePlatform } from '../../core/image/platform';
import { allTagReferences } from '../../core/registry/pullAllTags';
import type { PullResult } from '../../core/registry/pullImage';
import { copy } from '../../core/sources/copy';
import { copyImages } from '../../core/sources/copyImages';
import { RegistrySource } from '../../core/sources/registrySource';
import { StoreSource } from '../../core/sources/storeSource';
import type { LayerState, TransferEvent } from '../../core/transfer/transferEvent';
import { familiarName, familiarString, parseReference } from '../../core/reference/reference';
import { boolFlag, stringFlag, type Command } from '../command';
import { writeLine } from '../context';
import { ProgressLines } from '../progressLines';
import { concurrencySetting, INSECURE_REGISTRY_FLAG, STALL_TIMEOUT_FLAG, withRegistries } from '../registrySettings';
import { pullVerifier, TRUST_FLAGS } from '../trustSettings';
import { SignatureKeeper } from '../../core/trust/signatureRecord';

const PULL_STATUS: Record<LayerState, string> = {
  queued: 'Pulling fs layer',
  waiting: 'Waiting',
  exists: 'Already exists',
  mounted: 'Already exists',
  transferring: 'Downloading',
  resuming: 'Resuming download',
  verifying: 'Verifying Checksum',
  done: 'Pull complete',
};

export const pullCommand: Command = {
  usage: 'stevedore pull [OPTIONS] NAME[:TAG|@DIGEST]',
  minArgs: 1,
  maxArgs: 1,
  flags: [
    { name: 'all-tags', short: 'a', kind: 'bool', description: 'Download all tagged images in the repository' },
    ...TRUST_FLAGS,
    { name: 'platform', kind: 'string', valueName: 'string', description: 'Set platform if server is multi-platform capable' },
    { name: 'quiet', short: 'q', kind: 'bool', description: 'Suppress verbose output' },
    { name: 'max-concurrent-downloads', kind: 'int', valueName: 'int', description: 'Layers downloaded at once (default 4, or STEVEDORE_MAX_CONCURRENT_DOWNLOADS)' },
    STALL_TIMEOUT_FLAG,
    INSECURE_REGISTRY_FLAG,
  ],
  async run(ctx, args, flags) {
    const input = args[0]!;
    const allTags = boolFlag(flags, 'all-tags');
    const quiet = boolFlag(flags, 'quiet');
    const platformText = stringFlag(flags, 'platform');
    const platform = platformText ? parsePlatform(platformText) : undefined;
    const concurrency = concurrencySetting(ctx, flags, 'max-concurrent-downloads', 'downloads');
    const typed = parseReference(input, { defaultTag: false });
    const store = await ctx.openStore();
    const display = new ProgressLines(ctx.stdout);
    if (!quiet && !allTags && !typed.tag && !typed.digest) display.message('Using default tag: latest');
    const onEvent = quiet ? undefined : (event: TransferEvent): void => {
      if (event.kind === 'start') {
        // Docker names a digest pull by its whole reference ("host/app@sha256:…: Pulling from app").
        const target = event.tag ?? familiarString(parseReference(event.reference));
        display.message(`${target}: Pulling from ${event.repository ?? ''}`);
        return;
      }
      if (event.kind === 'end') {
        display.message(`Digest: ${event.digest ?? ''}`);
        return;
      }
      if (event.kind !== 'layer') return;
      const id = shortId(event.id);
      if (event.state === 'done' && !ctx.stdout.isTTY) display.update(id, 'Download complete');
      display.update(id, PULL_STATUS[event.state], event.state === 'transferring' ? { current: event.current, total: event.total } : undefined);
    };
    const keeper = new SignatureKeeper();
    const verify = pullVerifier(ctx, flags, keeper);
    const options = { signal: ctx.signal, ...(platform ? { platform } : {}), ...(onEvent ? { onEvent } : {}) };
    const results: PullResult[] = await withRegistries(ctx, flags, async (clients) => {
      // A copy from the registry to the store, which is the pull's own stages; -a copies every tag,
      // each resolved and verified before any is fetched.
      const registry = new RegistrySource(clients, { verify, concurrency });
      if (allTags) {
        const references = await allTagReferences(clients, input, ctx.signal);
        const copied = await copyImages(registry, references.map((ref) => ({ ref, refs: [ref] })), new StoreSource(store), options);
        return copied.map((c) => c.pulled!);
      }
      const copied = await copy(registry, input, new StoreSource(store), [], options);
      return [copied.pulled!];
    });
    await keeper.keep(store.layout, results);
    if (quiet) {
      writeLine(ctx.stdout, allTags ? repositoryOf(results[0]!) : results[0]!.reference);
      return 0;
    }
    const last = results[results.length - 1]!;
    const upToDate = results.every((r) => r.upToDate);
    const shown = allTags ? familiarName(parseReference(last.reference)) : familiarString(parseReference(last.reference));
    display.message(`Status: ${upToDate ? 'Image is up to date' : 'Downloaded newer image'} for ${shown}`);
    writeLine(ctx.stdout, allTags ? repositoryOf(last) : last.reference);
    return 0;
  },
};

function repositoryOf(result: PullResult): string {
  const ref = parseReference(result.reference);
  return `${ref.domain}/${ref.path}`;
}

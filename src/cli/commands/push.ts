// `stevedore push [-a] [-q] [--sign-by FINGERPRINT] NAME[:TAG]` — `docker push`, straight from the
// store; --sign-by adds a simple signature as skopeo and podman do (trust/signOnPush.ts).

import { shortId } from '../../core/shortId';
import { StevedoreError } from '../../core/errors';
import { pushImage, type PushResult } from '../../core/registry/pushImage';
import type { PushEvent } from '../../core/registry/transferEvents';
import { formatReference, parseReference, repositoryName } from '../../core/reference/reference';
import { signPushedImage } from '../../core/trust/signOnPush';
import { boolFlag, stringFlag, type Command } from '../command';
import { writeLine } from '../context';
import { ProgressLines } from '../progressLines';
import { concurrencySetting, INSECURE_REGISTRY_FLAG, withRegistries } from '../registrySettings';

const PUSH_STATUS: Record<Extract<PushEvent, { kind: 'layer' }>['status'], string> = {
  preparing: 'Preparing',
  waiting: 'Waiting',
  pushing: 'Pushing',
  pushed: 'Pushed',
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
    { name: 'registries.d', kind: 'string', valueName: 'dir', description: 'Folder of registries.d files saying where signatures are written' },
    { name: 'quiet', short: 'q', kind: 'bool', description: 'Suppress verbose output' },
    { name: 'max-concurrent-uploads', kind: 'int', valueName: 'int', description: 'Blobs uploaded at once (default 4, or STEVEDORE_MAX_CONCURRENT_UPLOADS)' },
    INSECURE_REGISTRY_FLAG,
  ],
  async run(ctx, args, flags) {
    const input = args[0]!;
    const quiet = boolFlag(flags, 'quiet');
    const allTags = boolFlag(flags, 'all-tags');
    const concurrency = concurrencySetting(ctx, flags, 'max-concurrent-uploads', 'STEVEDORE_MAX_CONCURRENT_UPLOADS');
    const typed = parseReference(input, { defaultTag: false });
    if (allTags && (typed.tag || typed.digest)) throw new StevedoreError('INVALID_ARGUMENT', `tag can't be used with --all-tags/-a`);
    const signBy = stringFlag(flags, 'sign-by');
    const registriesDir = stringFlag(flags, 'registries.d');
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
    const onProgress = quiet ? undefined : (event: PushEvent): void => {
      if (event.kind === 'pushing') return;
      const status = event.status === 'mounted' ? `Mounted from ${event.from ?? ''}` : PUSH_STATUS[event.status];
      display.update(shortId(event.digest), status, event.status === 'pushing' ? { current: event.current, total: event.total } : undefined);
    };
    if (!quiet) display.message(`The push refers to repository [${repo}]`);
    const results: PushResult[] = [];
    await withRegistries(ctx, flags, async (clients) => {
      for (const reference of references) {
        const result = await pushImage(store, clients, { reference, concurrency, signal: ctx.signal, ...(onProgress ? { onProgress } : {}) });
        results.push(result);
        if (!quiet) display.message(`${result.tag}: digest: ${result.digest} size: ${result.size}`);
        if (signBy) {
          if (!quiet) display.message('Signing manifest using simple signing');
          const written = await signPushedImage(parseReference(result.reference), result.digest, { env: ctx.env, fingerprint: signBy, signal: ctx.signal, ...(registriesDir ? { registriesDir } : {}) });
          if (!quiet) display.message(`Storing signature: ${written}`);
        }
      }
    });
    if (quiet) for (const r of results) writeLine(ctx.stdout, r.reference);
    return 0;
  },
};

// `stevedore tags NAME` — every tag of a repository in a registry, one per line (all pages).

import { StevedoreError } from '../../core/errors';
import { listTags } from '../../core/registry/pagedLists';
import { parseReference } from '../../core/reference/reference';
import { intFlag, type Command } from '../command';
import { writeLine } from '../context';
import { INSECURE_REGISTRY_FLAG, withRegistries } from '../registrySettings';

export const tagsCommand: Command = {
  usage: 'stevedore tags [OPTIONS] NAME',
  minArgs: 1,
  maxArgs: 1,
  flags: [
    { name: 'page-size', kind: 'int', valueName: 'int', description: 'Tags asked for per request (default 100)' },
    INSECURE_REGISTRY_FLAG,
  ],
  async run(ctx, args, flags) {
    const ref = parseReference(args[0]!, { defaultTag: false });
    if (ref.tag || ref.digest) throw new StevedoreError('INVALID_ARGUMENT', `give a repository without a tag or digest: "${args[0]!.replace(/[:@][^/]*$/, '')}"`);
    const pageSize = intFlag(flags, 'page-size');
    if (pageSize !== undefined && pageSize < 1) throw new StevedoreError('INVALID_ARGUMENT', '--page-size must be at least 1');
    const tags = await withRegistries(ctx, flags, (clients) =>
      listTags(clients.for(ref.domain), ref.path, { ...(pageSize ? { pageSize } : {}), signal: ctx.signal }),
    );
    for (const tag of tags) writeLine(ctx.stdout, tag);
    return 0;
  },
};

// `stevedore build [OPTIONS] PATH` — `docker build` with the classic builder: stages (FROM … AS,
// COPY --from, --target), RUN (in a container through runc or crun, on the host's network), COPY,
// ADD, ENV, LABEL, CMD, ENTRYPOINT, WORKDIR, USER, EXPOSE, VOLUME, STOPSIGNAL, ONBUILD, ARG, and the
// build cache (--no-cache). Prints the classic builder's lines: "Step N/M : …", " ---> Using cache"
// or " ---> Running in ID" with the command's output for RUN, " ---> ID" after each step, then
// "Successfully built ID" and "Successfully tagged NAME".

import { stat } from 'node:fs/promises';
import { buildImage, type BuildEvent } from '../../core/dockerfile/buildImage';
import { shortId } from '../../core/shortId';
import { StevedoreError } from '../../core/errors';
import { parsePlatform } from '../../core/image/platform';
import { urlAccessFromEnv } from '../../core/image/urlSource';
import { familiarString, parseReference } from '../../core/reference/reference';
import { boolFlag, listFlag, stringFlag, type Command } from '../command';
import { writeLine } from '../context';
import { INSECURE_REGISTRY_FLAG, withRegistries } from '../registrySettings';
import { pullVerifier, TRUST_FLAGS } from '../trustSettings';
import { SignatureKeeper } from '../../core/trust/signatureRecord';
import { machineChannel } from '../machineChannel';

export const buildCommand: Command = {
  usage: 'stevedore build [OPTIONS] PATH',
  minArgs: 1,
  maxArgs: 1,
  flags: [
    { name: 'build-arg', kind: 'list', valueName: 'list', description: 'Set build-time variables' },
    { name: 'file', short: 'f', kind: 'string', valueName: 'string', description: "Name of the Dockerfile (default: 'PATH/Dockerfile')" },
    { name: 'label', kind: 'list', valueName: 'list', description: 'Set metadata for an image' },
    { name: 'no-cache', kind: 'bool', description: 'Do not use cache when building the image' },
    { name: 'platform', kind: 'string', valueName: 'string', description: 'Set platform if server is multi-platform capable' },
    { name: 'quiet', short: 'q', kind: 'bool', description: 'Suppress the build output and print image ID on success' },
    { name: 'runtime', kind: 'string', valueName: 'string', description: 'OCI runtime for RUN steps (runc, crun, or a path; default: runc, else crun, on PATH)' },
    { name: 'tag', short: 't', kind: 'list', valueName: 'list', description: "Name and optionally a tag in the 'name:tag' format" },
    { name: 'target', kind: 'string', valueName: 'string', description: 'Set the target build stage to build.' },
    INSECURE_REGISTRY_FLAG,
    ...TRUST_FLAGS,
  ],
  async run(ctx, args, flags) {
    const context = args[0]!;
    if (context === '-' || /^[a-z]+:\/\//i.test(context)) {
      throw new StevedoreError('UNSUPPORTED', `build takes a folder as its context; "${context}" (a tarball on stdin or a URL) is not supported yet.`);
    }
    const info = await stat(context).catch(() => null);
    if (!info?.isDirectory()) throw new StevedoreError('INVALID_ARGUMENT', `unable to prepare context: path "${context}" not found or not a folder.`);
    const quiet = boolFlag(flags, 'quiet');
    const platformText = stringFlag(flags, 'platform');
    const dockerfile = stringFlag(flags, 'file');
    const tags = listFlag(flags, 'tag');
    const store = await ctx.openStore();
    const machine = machineChannel(ctx.env);
    const print = quiet ? undefined : (event: BuildEvent): void => {
      if (event.kind === 'step') writeLine(ctx.stdout, `Step ${event.index}/${event.total} : ${event.instruction}`);
      else if (event.kind === 'start' && event.operation === 'pull') writeLine(ctx.stdout, ` ---> pulling ${event.reference}`);
      else if (event.kind === 'running') writeLine(ctx.stdout, ` ---> Running in ${shortId(event.container)}`);
      else if (event.kind === 'removed') writeLine(ctx.stdout, `Removing intermediate container ${shortId(event.container)}`);
      else if (event.kind === 'cached') writeLine(ctx.stdout, ' ---> Using cache');
      else if (event.kind === 'stepDone') writeLine(ctx.stdout, event.id ? ` ---> ${shortId(event.id)}` : ' ---> ');
    };
    const onEvent = machine
      ? (event: BuildEvent): void => {
          machine({ event });
          print?.(event);
        }
      : print;
    const signatures = new SignatureKeeper();
    const result = await withRegistries(ctx, flags, (clients) =>
      buildImage(store, {
        context,
        ...(dockerfile ? { dockerfile } : {}),
        tags,
        buildArgs: pairs(listFlag(flags, 'build-arg'), 'build-arg', ctx.env),
        labels: pairs(listFlag(flags, 'label'), 'label'),
        ...(stringFlag(flags, 'target') ? { target: stringFlag(flags, 'target')! } : {}),
        noCache: boolFlag(flags, 'no-cache'),
        ...(platformText ? { platform: parsePlatform(platformText) } : {}),
        clients,
        verifyPull: pullVerifier(ctx, flags, signatures),
        signatures,
        urlAccess: urlAccessFromEnv(ctx.env),
        ...(quiet ? {} : { output: ctx.stdout }),
        hostEnv: ctx.env,
        ...(stringFlag(flags, 'runtime') ? { runtime: stringFlag(flags, 'runtime')! } : {}),
        ...(ctx.env.STEVEDORE_SNAPSHOTTER ? { snapshotter: ctx.env.STEVEDORE_SNAPSHOTTER } : {}),
        signal: ctx.signal,
        ...(onEvent ? { onEvent } : {}),
      }),
    );
    machine?.({ result: { id: result.id, tags: result.tags } });
    if (quiet) {
      writeLine(ctx.stdout, result.id);
      return 0;
    }
    writeLine(ctx.stdout, `Successfully built ${shortId(result.id)}`);
    for (const tag of result.tags) writeLine(ctx.stdout, `Successfully tagged ${familiarString(parseReference(tag))}`);
    return 0;
  },
};

/** KEY=VALUE words; for --build-arg a bare KEY takes its value from the environment, as Docker does. */
function pairs(words: readonly string[], flag: string, env?: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const word of words) {
    const eq = word.indexOf('=');
    if (eq === 0) throw new StevedoreError('INVALID_ARGUMENT', `invalid argument "${word}" for "--${flag}" flag: the key is empty.`);
    if (eq < 0) {
      const value = env?.[word];
      if (env && value !== undefined) out[word] = value;
      else if (!env) throw new StevedoreError('INVALID_ARGUMENT', `invalid argument "${word}" for "--${flag}" flag: expected KEY=VALUE.`);
      continue;
    }
    out[word.slice(0, eq)] = word.slice(eq + 1);
  }
  return out;
}

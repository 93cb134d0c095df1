// `stevedore run [OPTIONS] IMAGE [COMMAND] [ARG...]` — `docker run` without a daemon: the image's
// layers become the container's root filesystem (a copy per container), an OCI runtime (runc or
// crun) runs the command, and the exit status is the container's. The network is the host's
// unless --network none: there is no bridge to offer.

import { readFile } from 'node:fs/promises';
import { isCancelled, StevedoreError } from '../../core/errors';
import { pullImage } from '../../core/registry/pullImage';
import { formatReference, parseReference } from '../../core/reference/reference';
import { runContainer } from '../../core/runtime/runContainer';
import type { ImageRecord, ImageStore } from '../../core/store/imageStore';
import { SignatureKeeper } from '../../core/trust/signatureRecord';
import { boolFlag, listFlag, stringFlag, type Command } from '../command';
import { containerIo } from '../containerIo';
import type { CliContext } from '../context';
import { INSECURE_REGISTRY_FLAG, withRegistries } from '../registrySettings';
import { pullVerifier, TRUST_FLAGS } from '../trustSettings';
import type { FlagValues } from '../args';
import { machineChannel, machineTerminal } from '../machineChannel';

export const runCommand: Command = {
  usage: 'stevedore run [OPTIONS] IMAGE [COMMAND] [ARG...]',
  minArgs: 1,
  interspersed: false,
  flags: [
    { name: 'entrypoint', kind: 'string', valueName: 'string', description: 'Overwrite the default ENTRYPOINT of the image' },
    { name: 'env', short: 'e', kind: 'list', valueName: 'list', description: 'Set environment variables' },
    { name: 'env-file', kind: 'list', valueName: 'list', description: 'Read in a file of environment variables' },
    { name: 'interactive', short: 'i', kind: 'bool', description: 'Keep STDIN open even if not attached' },
    { name: 'name', kind: 'string', valueName: 'string', description: 'Assign a name to the container' },
    { name: 'network', kind: 'string', valueName: 'network', description: 'Connect a container to a network: host (the default: there is no bridge) or none' },
    { name: 'rm', kind: 'bool', description: 'Automatically remove the container when it exits' },
    { name: 'runtime', kind: 'string', valueName: 'string', description: 'Runtime to use for this container (runc, crun, or a path; default: runc, else crun, on PATH)' },
    { name: 'tty', short: 't', kind: 'bool', description: 'Allocate a pseudo-TTY' },
    { name: 'user', short: 'u', kind: 'string', valueName: 'string', description: 'Username or UID (format: <name|uid>[:<group|gid>])' },
    { name: 'volume', short: 'v', kind: 'list', valueName: 'list', description: 'Bind mount a host folder (HOST-PATH:CONTAINER-PATH[:ro])' },
    { name: 'workdir', short: 'w', kind: 'string', valueName: 'string', description: 'Working directory inside the container' },
    INSECURE_REGISTRY_FLAG,
    ...TRUST_FLAGS,
  ],
  async run(ctx, args, flags) {
    const [imageName, ...command] = args as [string, ...string[]];
    const network = stringFlag(flags, 'network') ?? 'host';
    if (network !== 'host' && network !== 'none') {
      throw new StevedoreError('INVALID_ARGUMENT', `network ${network} not found. Stevedore offers --network host (the default) and --network none.`);
    }
    const tty = boolFlag(flags, 'tty');
    const interactive = boolFlag(flags, 'interactive');
    if (tty && interactive && !ctx.stdin.isTTY && !machineTerminal(ctx.env)) throw new StevedoreError('INVALID_ARGUMENT', 'the input device is not a TTY. Leave out -t, or run from a terminal.');
    const env = await environment(ctx, flags);
    const store = await ctx.openStore();
    const image = await findOrPull(ctx, store, imageName, flags);
    const name = stringFlag(flags, 'name');
    const entrypoint = stringFlag(flags, 'entrypoint');
    const workdir = stringFlag(flags, 'workdir');
    const user = stringFlag(flags, 'user');
    const runtime = stringFlag(flags, 'runtime');
    const machine = machineChannel(ctx.env);
    try {
      const { exitCode } = await runContainer(store, {
        image,
        imageName,
        ...(name !== undefined ? { name } : {}),
        ...(command.length ? { command } : {}),
        ...(entrypoint !== undefined ? { entrypoint } : {}),
        env,
        ...(workdir !== undefined ? { workdir } : {}),
        ...(user !== undefined ? { user } : {}),
        binds: listFlag(flags, 'volume'),
        network,
        ...(runtime !== undefined ? { runtime } : {}),
        autoRemove: boolFlag(flags, 'rm'),
        tty,
        interactive,
        io: containerIo(ctx, tty, interactive),
        hostEnv: ctx.env,
        ...(ctx.env.STEVEDORE_SNAPSHOTTER ? { snapshotter: ctx.env.STEVEDORE_SNAPSHOTTER } : {}),
        signal: ctx.signal,
        ...(machine ? { onCreated: (c: { Id: string; Name: string }) => machine({ container: { id: c.Id, name: c.Name } }) } : {}),
      });
      return exitCode;
    } catch (err) {
      if (isCancelled(err)) throw err;
      // Docker's status for a container that could not be run.
      if (err instanceof StevedoreError) {
        if (machine) machine({ error: { code: err.code, message: err.message } });
        else ctx.stderr.write(`Error: ${err.message}\n`);
        return 125;
      }
      throw err;
    }
  },
};

async function findOrPull(ctx: CliContext, store: ImageStore, name: string, flags: FlagValues): Promise<ImageRecord> {
  try {
    return await store.find(name);
  } catch (err) {
    if (!(err instanceof StevedoreError) || err.code !== 'IMAGE_NOT_FOUND' || /^[a-f0-9]{12,64}$/.test(name)) throw err;
  }
  const reference = formatReference(parseReference(name));
  ctx.stderr.write(`Unable to find image '${name.includes(':') || name.includes('@') ? name : `${name}:latest`}' locally\n`);
  // Verified under the trust policy as `pull` is, and the accepted signatures kept with the image.
  const keeper = new SignatureKeeper();
  const pulled = await withRegistries(ctx, flags, (clients) => pullImage(store, clients, { reference, signal: ctx.signal, verify: pullVerifier(ctx, flags, keeper) }));
  await keeper.keep(store.layout, [pulled]);
  return store.find(reference);
}

/** -e and --env-file as Docker reads them: KEY=VALUE, or a bare KEY taken from this environment when set there. */
async function environment(ctx: CliContext, flags: FlagValues): Promise<string[]> {
  const out: string[] = [];
  const add = (entry: string): void => {
    if (entry.includes('=')) {
      if (entry.startsWith('=')) throw new StevedoreError('INVALID_ARGUMENT', `invalid environment variable: ${entry}`);
      out.push(entry);
    } else if (ctx.env[entry] !== undefined) out.push(`${entry}=${ctx.env[entry]}`);
  };
  for (const file of listFlag(flags, 'env-file')) {
    const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new StevedoreError('INVALID_ARGUMENT', `open ${file}: ${err.code === 'ENOENT' ? 'no such file or directory' : err.message}`);
    });
    for (const line of text.split('\n')) {
      const trimmed = line.replace(/^\s+/, '');
      if (trimmed === '' || trimmed.startsWith('#')) continue;
      add(trimmed.replace(/\r$/, ''));
    }
  }
  for (const entry of listFlag(flags, 'env')) add(entry);
  return out;
}

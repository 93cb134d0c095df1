// `stevedore login [-u USER] [-p PASS | --password-stdin] [SERVER]` — checks the credentials against
// the registry and stores them where `docker login` does, so either tool can use the other's login.

import { StevedoreError } from '../../core/errors';
import { loginRegistry } from '../../core/registry/login';
import { stringFlag, boolFlag, type Command } from '../command';
import { writeLine } from '../context';
import { ask, readAllStdin } from '../prompt';
import { INSECURE_REGISTRY_FLAG, withRegistries } from '../registrySettings';

export const loginCommand: Command = {
  usage: 'stevedore login [OPTIONS] [SERVER]',
  maxArgs: 1,
  flags: [
    { name: 'password', short: 'p', kind: 'string', valueName: 'string', description: 'Password' },
    { name: 'password-stdin', kind: 'bool', description: 'Take the password from stdin' },
    { name: 'username', short: 'u', kind: 'string', valueName: 'string', description: 'Username' },
    INSECURE_REGISTRY_FLAG,
  ],
  async run(ctx, args, flags) {
    let username = stringFlag(flags, 'username');
    let password = stringFlag(flags, 'password');
    if (password !== undefined) ctx.stderr.write('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
    if (boolFlag(flags, 'password-stdin')) {
      if (password !== undefined) throw new StevedoreError('INVALID_ARGUMENT', '--password and --password-stdin are mutually exclusive');
      if (!username) throw new StevedoreError('INVALID_ARGUMENT', 'Must provide --username with --password-stdin');
      password = await readAllStdin(ctx);
    }
    if (!username || password === undefined) {
      if (!ctx.stdin.isTTY) throw new StevedoreError('INVALID_ARGUMENT', 'Cannot perform an interactive login from a non TTY device. Use -u and --password-stdin.');
      username ||= (await ask(ctx, 'Username: ', false)).trim();
      password ??= await ask(ctx, 'Password: ', true);
    }
    if (!username) throw new StevedoreError('INVALID_ARGUMENT', 'Username is required.');
    if (!password) throw new StevedoreError('INVALID_ARGUMENT', 'Password is required.');
    const result = await withRegistries(ctx, flags, (clients) =>
      loginRegistry(clients, ctx.env, { ...(args[0] ? { server: args[0] } : {}), username: username!, password: password!, signal: ctx.signal }),
    );
    if (result.plainText) {
      ctx.stderr.write(
        `WARNING! Your password will be stored unencrypted in ${result.storedIn}.\nConfigure a credential helper to remove this warning. See\nhttps://docs.docker.com/engine/reference/commandline/login/#credential-stores\n\n`,
      );
    }
    writeLine(ctx.stdout, 'Login Succeeded');
    return 0;
  },
};

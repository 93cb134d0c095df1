// The pipe from the process that started this one (the CLI outside a user namespace, or the
// extension): every CLI process watches it, so it lives apart from userNamespaceExec.ts, which only
// the commands that run in a namespace load (startCli.ts must not pull that into every bundle).

import { PARENT_PIPE_ENV } from './machineProtocol';

/** Inside: calls `gone` once the process that started this one has ended (its end of the pipe closed). */
export function watchParentPipe(env: NodeJS.ProcessEnv, gone: () => void): void {
  const fd = Number(env[PARENT_PIPE_ENV]);
  delete env[PARENT_PIPE_ENV];
  if (!Number.isInteger(fd) || fd < 3) return;
  const socket = new (process.getBuiltinModule('node:net').Socket)({ fd, readable: true, writable: false });
  let called = false;
  const once = (): void => {
    if (called) return;
    called = true;
    gone();
  };
  socket.on('end', once);
  socket.on('error', once);
  socket.resume();
  // Watching must not keep this process alive once its command is done.
  socket.unref();
}

// Opens a VS Code terminal on a container run and, when asked to wait (tests, other extensions),
// resolves once the container ended with its status.

import * as vscode from 'vscode';
import type { Services } from '../services';
import { ContainerPseudoterminal, type ContainerTerminalRun } from './containerTerminal';

export interface OpenedContainerTerminal {
  terminal: vscode.Terminal;
  pty: ContainerPseudoterminal;
}

export async function openContainerTerminal(services: Services, name: string, run: ContainerTerminalRun): Promise<OpenedContainerTerminal> {
  const pty = new ContainerPseudoterminal({
    ...run,
    start: async (io, signal) => {
      try {
        return await run.start(io, signal);
      } finally {
        services.containersTree.refresh();
      }
    },
  });
  // The Containers view is hidden until there is something to show in it: the first run opens it.
  if (!services.containersView.visible) await vscode.commands.executeCommand('stevedore.containers.focus').then(undefined, () => undefined);
  const terminal = vscode.window.createTerminal({ name, pty, iconPath: new vscode.ThemeIcon('vm') });
  terminal.show();
  return { terminal, pty };
}

/** The container's exit status; a run that could not start fails as its error. */
export async function containerExit(opened: OpenedContainerTerminal): Promise<number> {
  const status = await opened.pty.exited;
  if (status === undefined) throw opened.pty.failure;
  return status;
}

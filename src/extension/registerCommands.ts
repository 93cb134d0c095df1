// Registers every command of the table. Each run is wrapped the same way: failures are shown (with
// actions) and logged in one place, and the command resolves to an outcome a caller can read:
// { ok: true, value } or { ok: false, cancelled, code, message }. Throwing instead would make VS
// Code add a second, generic error message of its own.

import * as vscode from 'vscode';
import { commandTable } from './commandTable';
import { parseInvocation } from './commands/command';
import { reportError, type FailureSummary } from './errorReporting';
import type { Services } from './services';

export type CommandOutcome = { ok: true; value: unknown } | ({ ok: false } & FailureSummary);

export function registerCommands(services: Services): vscode.Disposable[] {
  return commandTable.map((command) =>
    vscode.commands.registerCommand(command.id, async (a?: unknown, b?: unknown, c?: unknown): Promise<CommandOutcome> => {
      const invocation = parseInvocation(a, b, c);
      try {
        const value = await command.run({ services, ...invocation });
        return { ok: true, value };
      } catch (err) {
        return { ok: false, ...reportError(services.log, command.operation, err, services.settings().storePath) };
      }
    }),
  );
}

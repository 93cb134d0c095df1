// Show Transfers: opens the Transfers view (every running pull, push, load, save and copy with a
// bar per layer). Also what the status bar item of a running transfer does.

import * as vscode from 'vscode';
import { TRANSFERS_VIEW } from '../transfers/transfersView';
import type { ExtensionCommand } from './command';

export const showTransfersCommand: ExtensionCommand = {
  id: 'stevedore.showTransfers',
  operation: 'Show transfers',
  async run() {
    await vscode.commands.executeCommand(`${TRANSFERS_VIEW}.focus`);
    return undefined;
  },
};

// The container a command works on: the clicked row of the Containers view, a `container` argument
// (name or ID) from another extension or a test, else one picked from the store's containers.

import * as vscode from 'vscode';
import { findContainer, listContainers, type ContainerRecord } from '../../core/runtime/containerRecord';
import { isNode, stringArg, type CommandContext } from '../commands/command';
import type { ContainerNode } from '../views/containerNodes';

export async function selectedContainer(ctx: CommandContext, placeHolder: string): Promise<ContainerRecord | undefined> {
  const store = await ctx.services.store.open();
  const clicked = ctx.clicked;
  if (isNode(clicked) && clicked.kind === 'container') return findContainer(store.layout, (clicked as ContainerNode).record.Id);
  const named = stringArg(ctx, 'container');
  if (named !== undefined) return findContainer(store.layout, named);
  const all = await listContainers(store.layout);
  if (all.length === 0) {
    void vscode.window.showInformationMessage('There are no containers. Run an image from the Images view first.');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    all.map((c) => ({ label: c.Name, description: c.Image, detail: c.Id, record: c })),
    { placeHolder, matchOnDescription: true },
  );
  return picked?.record;
}

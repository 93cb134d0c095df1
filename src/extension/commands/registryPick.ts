// Which registry a registry command is about: given in the arguments, the clicked registry item,
// or picked from the Registries view's list (with "Other…" to type one).

import * as vscode from 'vscode';
import { registryHost } from '../../core/registry/registryHost';
import type { RegistryNode } from '../views/registryNodes';
import { isNode, stringArg, type CommandContext } from './command';

export async function registryOf(ctx: CommandContext, placeHolder: string, only?: readonly string[]): Promise<string | undefined> {
  const given = stringArg(ctx, 'registry');
  if (given) return registryHost(given).domain;
  if (isNode(ctx.clicked) && 'domain' in ctx.clicked) return (ctx.clicked as RegistryNode).domain;
  const known = ctx.services.registriesTree.registryNodes().map((n) => ({ label: n.label, description: n.dockerHub ? n.domain : '', domain: n.domain }));
  const items = only ? known.filter((k) => only.includes(k.domain)).concat(only.filter((d) => !known.some((k) => k.domain === d)).map((d) => ({ label: d, description: '', domain: d }))) : known;
  const other = { label: 'Other registry…', description: '', domain: '' };
  const picked = await vscode.window.showQuickPick(only ? items : [...items, other], { placeHolder });
  if (!picked) return undefined;
  if (picked.domain) return picked.domain;
  const typed = await vscode.window.showInputBox({ prompt: 'Registry host, e.g. ghcr.io or localhost:5000', validateInput: validateRegistry });
  return typed ? registryHost(typed).domain : undefined;
}

export function validateRegistry(value: string): string | undefined {
  const text = value.trim();
  if (!text) return 'Give a registry host such as ghcr.io or localhost:5000';
  const host = registryHost(text).domain;
  if (!/^(\[[0-9a-f:]+\]|[a-z0-9]([a-z0-9.-]*[a-z0-9])?)(:\d{1,5})?$/i.test(host)) return `"${text}" is not a registry host name`;
  return undefined;
}

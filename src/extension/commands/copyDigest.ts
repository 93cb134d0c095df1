// Copy Digest: the repo digest ("redis@sha256:…", the manifest digest as the registry serves it)
// when the image came from or went to a registry, else the stored manifest's digest. For an item of
// the Registries view, the digest of that tag or platform in the registry. For an engine's image,
// the repo digest the engine keeps for it (`docker images --digests`), which only an image pulled
// from or pushed to a registry has.

import * as vscode from 'vscode';
import { NONE } from '../../core/image/imageList';
import { repositoryName, type RemotePlatformNode, type RemoteTagNode } from '../views/registryNodes';
import { StevedoreError } from '../../core/errors';
import { tryParseReference } from '../../core/reference/reference';
import { engineLabel } from '../engines/imageSources';
import type { EngineImageNode } from '../views/engineNodes';
import { isNode, selectedEngineImages, selectedImageNodes, type CommandContext, type ExtensionCommand } from './command';
import { pickImages } from './prompts';

export const copyDigestCommand: ExtensionCommand = {
  id: 'stevedore.copyDigest',
  operation: 'Copy digest',
  async run(ctx) {
    const texts = await remoteDigests(ctx);
    if (texts.length === 0) texts.push(...selectedEngineImages(ctx).flatMap(engineDigests));
    if (texts.length === 0) {
      let nodes = selectedImageNodes(ctx);
      if (nodes.length === 0 && ctx.selected.length === 0) nodes = await pickImages(ctx.services, { placeHolder: 'Image whose digest to copy', canPickMany: false });
      for (const n of nodes) texts.push(n.row.digest !== NONE && n.row.repository !== NONE ? `${n.row.repository}@${n.row.digest}` : n.record.manifestDigest);
    }
    if (texts.length === 0) return undefined;
    const text = [...new Set(texts)].join('\n');
    await vscode.env.clipboard.writeText(text);
    vscode.window.setStatusBarMessage(`$(copy) Copied ${texts.length === 1 ? 'digest' : `${texts.length} digests`}`, 3000);
    return text;
  },
};

async function remoteDigests(ctx: CommandContext): Promise<string[]> {
  const out: string[] = [];
  for (const n of ctx.selected) {
    if (!isNode(n)) continue;
    if (n.kind === 'remotePlatform') {
      const p = n as RemotePlatformNode;
      out.push(`${repositoryName(p)}@${p.digest}`);
    } else if (n.kind === 'remoteTag') {
      const t = n as RemoteTagNode;
      out.push(`${repositoryName(t)}@${(await ctx.services.registriesTree.describe(t)).digest}`);
    }
  }
  return out;
}

/** The engine's repo digests of the row's repository (all of them for an untagged row); an error when it has none. */
function engineDigests(node: EngineImageNode): string[] {
  const all = node.image.RepoDigests ?? [];
  const repository = node.tag ? repositoryOf(node.tag) : undefined;
  const mine = all.filter((d) => repository !== undefined && repositoryOf(d.slice(0, d.indexOf('@'))) === repository);
  const chosen = mine.length ? mine : all;
  if (chosen.length === 0) {
    throw new StevedoreError('INVALID_ARGUMENT', `${node.tag ?? node.name} has no registry digest in ${engineLabel(node.source)}: an engine keeps one only for an image pulled from or pushed to a registry. Copy its image ID instead, or push it first.`);
  }
  return chosen;
}

/** "docker.io/library/redis" for "redis:7" or "redis". */
function repositoryOf(name: string): string | undefined {
  const parsed = tryParseReference(name);
  return parsed ? `${parsed.domain}/${parsed.path}` : undefined;
}

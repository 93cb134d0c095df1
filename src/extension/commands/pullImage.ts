// Pull Image…: downloads an image into the store, layers in parallel with per-layer progress in a
// cancellable notification (cancel stops the transfers and leaves the store as it was). From the
// palette it asks for a name (validated, with tag suggestions) and, for a multi-platform image, the
// platform; from a tag or platform in the Registries view, or an image to re-pull, it needs neither.

import * as vscode from 'vscode';
import { formatPlatform, hostPlatform, parsePlatform, platformMatches } from '../../core/image/platform';
import type { Platform } from '../../core/image/types';
import { humanSize } from '../../core/format/humanSize';
import { copy } from '../../core/sources/copy';
import { RegistrySource } from '../../core/sources/registrySource';
import { StoreSource } from '../../core/sources/storeSource';
import { remotePlatforms } from '../../core/registry/remoteTag';
import { familiarString, parseReference } from '../../core/reference/reference';
import { SignatureKeeper } from '../../core/trust/signatureRecord';
import { pullVerifier, withTrustActions } from '../trust/pullVerifier';
import { StevedoreError } from '../../core/errors';
import { attachActions } from '../errorActions';
import { attachRegistry } from '../errorReporting';
import type { Services } from '../services';
import { elapsedText, plural } from '../transferProgress';
import { TransferUpdates } from '../transfers/layerUpdates';
import { withTransfer } from '../transfers/withTransfer';
import { remoteTagName, type RemotePlatformNode, type RemoteTagNode } from '../views/registryNodes';
import type { ImageNode } from '../views/imageTreeModel';
import { isNode, stringArg, type ExtensionCommand } from './command';
import { promptImageReference, rememberPull } from './referencePrompt';
import { shortId } from '../../core/shortId';

export const pullImageCommand: ExtensionCommand = {
  id: 'stevedore.pullImage',
  operation: 'Pull',
  async run(ctx) {
    const { services } = ctx;
    const clicked = isNode(ctx.clicked) ? ctx.clicked : undefined;
    let reference = stringArg(ctx, 'reference');
    let platform: Platform | undefined = stringArg(ctx, 'platform') ? parsePlatform(stringArg(ctx, 'platform')!) : undefined;
    // Asked for a platform when the name was picked by the user rather than given by a program.
    let interactive = ctx.args.choosePlatform === true;
    // The "Pull Without Verification" button of a refused pull; said in the log by the verifier.
    const disableContentTrust = ctx.args.disableContentTrust === true;
    if (!reference && clicked?.kind === 'remoteTag') {
      reference = remoteTagName(clicked as RemoteTagNode);
      interactive = true;
    } else if (!reference && clicked?.kind === 'remotePlatform') {
      const node = clicked as RemotePlatformNode;
      reference = remoteTagName(node);
      if (node.multiPlatform && node.platform !== 'unknown') platform ??= parsePlatform(node.platform);
    } else if (!reference && clicked?.kind === 'image' && (clicked as ImageNode).reference) {
      reference = familiarString(parseReference((clicked as ImageNode).reference!));
    }
    if (!reference) {
      reference = await promptImageReference(services, 'Pull an image');
      if (!reference) return undefined;
      interactive = true;
    }
    const ref = parseReference(reference.trim());
    const display = familiarString(ref);
    const clients = services.registries.get();
    try {
      if (!platform && interactive && !ref.digest) {
        const offered = await remotePlatforms(clients.for(ref.domain), ref.path, ref.tag ?? 'latest');
        if (offered && offered.length > 1) {
          const chosen = await pickPlatform(services, display, offered.map((p) => p.platform));
          if (!chosen) return undefined;
          platform = parsePlatform(chosen);
        }
      }
      platform ??= services.settings().defaultPlatform ? parsePlatform(services.settings().defaultPlatform) : undefined;

      const store = await services.store.open();
      const started = Date.now();
      // The signatures the policy accepted are kept with the image, as the CLI's pull keeps them.
      const keeper = new SignatureKeeper();
      const title = `Pulling ${display}${platform ? ` (${formatPlatform(platform)})` : ''}`;
      services.log.info(`${title}`);
      const updates = new TransferUpdates('pull');
      const result = await withTransfer(services.transfers, title, (progress, transfer) =>
        // A copy from the registry to the store, which is the pull's own stages (core/sources/copyStrategies.ts).
        copy(
          new RegistrySource(clients, {
            concurrency: services.settings().maxConcurrentDownloads,
            // The same policy.json and registries.d as the CLI, podman and skopeo.
            verify: pullVerifier(services, { disable: disableContentTrust, keeper }),
          }),
          reference!.trim(),
          new StoreSource(store),
          [],
          {
            ...(platform ? { platform } : {}),
            signal: progress.signal,
            onEvent: (event) => {
              const update = updates.update(event);
              if (!update) return;
              if (update.phase !== 'transferring') services.log.debug(`${shortId(update.key)}: ${update.status}`);
              transfer.update(update);
              const snap = transfer.progress.snapshot();
              progress.report(snap.message, snap.percent);
            },
          },
        ).then((copied) => copied.pulled!),
        (r) => (r.upToDate ? 'up to date' : `${plural(r.record.summary.layerCount, 'layer')}, ${humanSize(r.record.summary.size)}`),
      );
      await keeper.keep(store.layout, [result]);
      services.images.refresh();
      rememberPull(services, display);
      const summary = result.record.summary;
      const took = elapsedText(Date.now() - started);
      const text = result.upToDate
        ? `${display} is up to date — ${plural(summary.layerCount, 'layer')}, ${humanSize(summary.size)}, ${took}`
        : `Pulled ${display} — ${plural(summary.layerCount, 'layer')}, ${humanSize(summary.size)}, ${took}`;
      services.log.info(`${text} (digest ${result.digest})`);
      void vscode.window.showInformationMessage(`${text}.`);
      return { reference: result.reference, digest: result.digest, manifestDigest: result.manifestDigest, id: result.record.id, platform: formatPlatform(result.platform), upToDate: result.upToDate };
    } catch (err) {
      // A tag that is not there: the button lists the ones that are.
      if (err instanceof StevedoreError && err.code === 'MANIFEST_UNKNOWN') {
        attachActions(err, [{ title: 'Browse Tags', command: 'stevedore.browseTags', args: [{ repository: `${ref.domain}/${ref.path}` }] }]);
      }
      throw attachRegistry(withTrustActions(err, reference!.trim()), ref.domain);
    }
  },
};

async function pickPlatform(services: Services, display: string, platforms: readonly string[]): Promise<string | undefined> {
  const preferred = services.settings().defaultPlatform ? parsePlatform(services.settings().defaultPlatform) : hostPlatform();
  const items = [...new Set(platforms)]
    .map((p) => ({ label: p, description: platformMatches(safePlatform(p), preferred) ? (services.settings().defaultPlatform ? 'default platform' : 'this machine') : '' }))
    .sort((a, b) => Number(b.description !== '') - Number(a.description !== ''));
  const picked = await vscode.window.showQuickPick(items, { title: `${display} is a multi-platform image`, placeHolder: 'Platform to pull' });
  return picked?.label;
}

function safePlatform(text: string): Platform | undefined {
  try {
    return parsePlatform(text);
  } catch {
    return undefined;
  }
}

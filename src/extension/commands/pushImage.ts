// Push: uploads tagged images to their registries, skipping blobs the registry has and mounting
// blobs from other repositories of the same registry, with per-layer progress in a cancellable
// notification. From image items (several at once), or the palette with a picker. An image listed
// under an engine is copied from the engine's export straight to the registry (copy.ts: the export
// spilled to a temporary file and read in place, no store involved), its layers compressed on the
// way as `docker push` does. Push and Sign… (pushAndSign.ts) runs the same push with a signer: each image
// is signed once it is pushed.

import * as vscode from 'vscode';
import type { PushResult } from '../../core/registry/pushImage';
import { copy } from '../../core/sources/copy';
import { RegistrySource } from '../../core/sources/registrySource';
import { StoreSource } from '../../core/sources/storeSource';
import { familiarString, formatReference, parseReference } from '../../core/reference/reference';
import { checkCanSign, signPushedImage, type SignOnPushOptions } from '../../core/trust/signOnPush';
import { attachRegistry } from '../errorReporting';
import { elapsedText, plural, TransferProgress } from '../transferProgress';
import { TransferUpdates } from '../transfers/layerUpdates';
import { withTransfer } from '../transfers/withTransfer';
import { imageContextValue } from '../views/imagesTreeProvider';
import { EngineSource } from '../../core/sources/engineSource';
import type { LayerState, TransferEvent } from '../../core/transfer/transferEvent';
import type { EngineImageNode } from '../views/engineNodes';
import { selectedEngineImages, selectedImageNodes, stringArg, type CommandContext, type ExtensionCommand } from './command';
import { pickImages } from './prompts';
import { shortId } from '../../core/shortId';

export const pushImageCommand: ExtensionCommand = {
  id: 'stevedore.pushImage',
  operation: 'Push',
  async run(ctx) {
    const targets = await pushTargets(ctx);
    return targets ? pushReferences(ctx, targets) : undefined;
  },
};

export interface PushTargets {
  references: string[];
  /** Which engine image each reference is read from first; none for the store's own. */
  fromEngine: Map<string, EngineImageNode>;
}

/** The tagged images to push: from the arguments, the selection, or a picker; undefined when there are none. */
export async function pushTargets(ctx: CommandContext): Promise<PushTargets | undefined> {
  const { services } = ctx;
  const pushable = (n: Parameters<typeof imageContextValue>[0]): boolean => /\bpushable\b/.test(imageContextValue(n));
  const engineNodes = selectedEngineImages(ctx).filter((n) => n.tag !== undefined);
  let references = stringArg(ctx, 'reference') ? [stringArg(ctx, 'reference')!] : selectedImageNodes(ctx).filter(pushable).map((n) => n.reference!);
  // Which engine image each reference is read from first; none for the store's own.
  const fromEngine = new Map<string, EngineImageNode>();
  for (const node of engineNodes) {
    const reference = formatReference(parseReference(node.tag!));
    fromEngine.set(reference, node);
    references.push(reference);
  }
  if (references.length === 0 && ctx.selected.length === 0) {
    references = (await pickImages(services, { placeHolder: 'Images to push (each to the registry its name names)', canPickMany: true, filter: pushable })).map((n) => n.reference!);
  }
  if (references.length === 0) {
    if (ctx.selected.length > 0) void vscode.window.showWarningMessage('Only images with a tag can be pushed. Tag the image first (Tag…), with the registry in its name.');
    return undefined;
  }
  return { references, fromEngine };
}

/** Pushes each reference (and signs it when `signing` is given) in one cancellable notification. */
export async function pushReferences(ctx: CommandContext, { references, fromEngine }: PushTargets, signing?: Omit<SignOnPushOptions, 'signal'>): Promise<unknown> {
  const { services } = ctx;
  // Before anything is sent: a signature that could not be written must not follow a push.
  if (signing) for (const reference of references) await checkCanSign(parseReference(reference), signing);
  const mainStore = await services.store.open();
  const clients = services.registries.get();
  const started = Date.now();
  const names = references.map((r) => familiarString(parseReference(r)));
  const results: Pushed[] = [];
  const signatures: { reference: string; format: string; location: string }[] = [];
  await withTransfer(services.transfers, `Pushing ${names.length === 1 ? names[0] : `${names.length} images`}`, async (progress, transfer) => {
    for (const [i, reference] of references.entries()) {
      // The notification counts this image's layers; the Transfers view lists every image's.
      const layers = new TransferProgress();
      const updates = new TransferUpdates('push');
      const prefix = references.length > 1 ? `${i + 1}/${references.length} ${names[i]}: ` : '';
      const engineNode = fromEngine.get(reference);
      const onEvent = (event: TransferEvent): void => {
        const update = updates.update(event);
        if (!update) return;
        if (update.phase !== 'transferring') services.log.debug(`${shortId(update.key)}: ${update.status}`);
        layers.apply(update);
        transfer.update(update);
        const snap = layers.snapshot();
        progress.report(prefix + snap.message, ((i + snap.percent / 100) / references.length) * 100);
      };
      // A copy to the registry, every layer asked about as docker push does: from the store it is the
      // push's own way; an engine's image goes from its export, layers compressed on the way.
      const registry = new RegistrySource(clients, { concurrency: services.settings().maxConcurrentUploads });
      try {
        if (engineNode) {
          progress.report(`${prefix}reading it from ${engineNode.source === 'podman' ? 'Podman' : engineNode.source === 'docker' ? 'Docker' : engineNode.source}…`);
          const engine = new EngineSource(await services.engines.client(engineNode.source), engineNode.source, async () => mainStore);
          const states = new Map<string, LayerState>();
          const copied = await copy(engine, engineNode.name, registry, [reference], {
            askEachLayer: true,
            signal: progress.signal,
            // Its layers, worded as a push's (the copy's start, end and running total are not rows).
            onEvent: (event) => {
              if (event.kind !== 'layer') return;
              states.set(event.id, event.state);
              onEvent(event);
            },
          });
          results.push(pushedFrom(reference, copied.digest!, states));
        } else {
          results.push((await copy(new StoreSource(mainStore), reference, registry, [reference], { askEachLayer: true, signal: progress.signal, onEvent })).pushed!);
        }
      } catch (err) {
        throw attachRegistry(err, parseReference(reference).domain);
      }
      if (signing) {
        const pushed = results[results.length - 1]!;
        progress.report(`${prefix}signing ${shortId(pushed.digest)}`, ((i + 1) / references.length) * 100);
        const ref = parseReference(pushed.reference);
        const written = await signPushedImage(ref, pushed.digest, clients.for(ref.domain), { ...signing, signal: progress.signal });
        signatures.push({ reference: pushed.reference, format: written.format, location: written.location });
        services.log.info(`signed ${pushed.reference} (${pushed.digest}): ${written.format} signature stored at ${written.location}`);
      }
    }
  });
  services.images.refresh();
  // The registries pushed to list the new repositories and tags without a manual refresh.
  for (const domain of new Set(results.map((r) => parseReference(r.reference).domain))) services.registriesTree.refreshDomain(domain);
  const took = elapsedText(Date.now() - started);
  for (const r of results) services.log.info(`pushed ${r.reference}: digest ${r.digest}${r.size === undefined ? '' : ` size ${r.size}`} (${r.uploaded} uploaded, ${r.skipped} already there, ${r.mounted} mounted)`);
  const blobs = results.reduce((a, r) => ({ uploaded: a.uploaded + r.uploaded, skipped: a.skipped + r.skipped, mounted: a.mounted + r.mounted }), { uploaded: 0, skipped: 0, mounted: 0 });
  const detail = [`${plural(blobs.uploaded, 'blob')} uploaded`, blobs.skipped ? `${blobs.skipped} already there` : '', blobs.mounted ? `${blobs.mounted} mounted` : ''].filter(Boolean).join(', ');
  const signed = signing ? ` and signed (${[...new Set(signatures.map((s) => s.format))].join(', ')})` : '';
  void vscode.window.showInformationMessage(`Pushed${signed} ${names.length === 1 ? names[0] : `${names.length} images`} — ${detail}, ${took}.`);
  return results.map((r) => ({ reference: r.reference, digest: r.digest, uploaded: r.uploaded, skipped: r.skipped, mounted: r.mounted, ...(signing ? { signature: signatures.find((s) => s.reference === r.reference) } : {}) }));
}

/** What a push did: the push's own result from the store; from an engine, counted from the copy's layer events (blobs of layers only). */
type Pushed = Pick<PushResult, 'reference' | 'digest' | 'uploaded' | 'skipped' | 'mounted'> & { size?: number };

function pushedFrom(reference: string, digest: string, states: ReadonlyMap<string, LayerState>): Pushed {
  const count = (state: LayerState): number => [...states.values()].filter((s) => s === state).length;
  return { reference, digest, uploaded: count('done'), skipped: count('exists'), mounted: count('mounted') };
}

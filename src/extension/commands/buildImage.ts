// Build Image…: a Dockerfile becomes an image in the store, its folder as the build context (see
// core/dockerfile/buildImage.ts for what is supported; RUN steps run through runc, their output in
// the log when the build runs through the CLI, containers/cliProcess.ts). From a Dockerfile in the
// Explorer, or from the palette with an open dialog; the name is asked for, the steps shown as
// progress, and the build is a transfer in the Transfers view: a row per layer, the base image's
// pulled layers and each step's layer as it is written.

import { basename, dirname } from 'node:path';
import * as vscode from 'vscode';
import { buildImage } from '../../core/dockerfile/buildImage';
import { humanSize } from '../../core/format/humanSize';
import { parsePlatform } from '../../core/image/platform';
import { familiarString, parseReference } from '../../core/reference/reference';
import { diskPath } from '../fileSources';
import { revealImage } from '../revealImage';
import { elapsedText, plural } from '../transferProgress';
import { TransferUpdates } from '../transfers/layerUpdates';
import { withTransfer } from '../transfers/withTransfer';
import { stringArg, type ExtensionCommand } from './command';
import { askNewImageName } from './prompts';
import { requireTrustedWorkspace } from '../workspaceTrust';
import { pullVerifier } from '../trust/pullVerifier';
import { SignatureKeeper } from '../../core/trust/signatureRecord';
import { shortId } from '../../core/shortId';
import type { BuildEvent } from '../../core/dockerfile/buildSteps';
import type { ImageRecord } from '../../core/store/imageStore';
import { callCli } from '../containers/cliProcess';
import { containerCli, withCliLogins } from '../containers/containerCli';

export const buildImageCommand: ExtensionCommand = {
  id: 'stevedore.buildImage',
  operation: 'Build',
  async run(ctx) {
    const { services } = ctx;
    // A Dockerfile names what to pull (with the user's logins) and which files to package.
    requireTrustedWorkspace('Build Image…');
    let dockerfile = stringArg(ctx, 'dockerfile') ?? (ctx.clicked instanceof vscode.Uri ? diskPath(ctx.clicked) : undefined);
    if (!dockerfile) {
      const picked = await vscode.window.showOpenDialog({ title: 'Build an image from a Dockerfile', canSelectMany: false, openLabel: 'Build' });
      if (!picked?.[0]) return undefined;
      dockerfile = diskPath(picked[0]);
    }
    const context = stringArg(ctx, 'context') ?? dirname(dockerfile);
    let reference = stringArg(ctx, 'reference');
    if (reference === undefined && stringArg(ctx, 'dockerfile') === undefined) {
      reference = await askNewImageName(`Build ${basename(context)}/${basename(dockerfile)}`, `${basename(context).toLowerCase().replace(/[^a-z0-9._-]+/g, '-')}:latest`);
      if (reference === undefined) return undefined;
    }
    const name = reference?.trim() || undefined;
    const store = await services.store.open();
    const started = Date.now();
    const platform = services.settings().defaultPlatform;
    services.log.info(`building ${dockerfile} (context ${context})${name ? ` as ${name}` : ''}`);
    const signatures = new SignatureKeeper();
    const updates = new TransferUpdates('build');
    // The step in words, followed by the layers' summary while a layer moves (the base's pull, a step's layer).
    let stepText = '';
    const cli = await containerCli(services);
    const result = await withTransfer(
      services.transfers,
      `Building ${name ? familiarString(parseReference(name)) : basename(context)}`,
      async (progress, transfer): Promise<{ id: string; tags: string[]; record: ImageRecord }> => {
        const onEvent = (event: BuildEvent): void => {
          // Through the CLI, its own lines are the log (RUN's output among them): the steps are there already.
          const log = cli ? () => undefined : (line: string) => services.log.info(line);
          if (event.kind === 'step') {
            log(`Step ${event.index}/${event.total} : ${event.instruction}`);
            stepText = `Step ${event.index}/${event.total}: ${event.instruction}`;
            progress.report(stepText, ((event.index - 1) / event.total) * 100);
          } else if (event.kind === 'start' && event.operation === 'pull') {
            progress.report(`Pulling ${event.reference}…`);
          } else if (event.kind === 'cached') {
            log(' ---> Using cache');
          } else if (event.kind === 'stepDone' && event.id) {
            log(` ---> ${shortId(event.id)}`);
          }
          if (event.kind === 'start' || event.kind === 'end' || event.kind === 'layer' || event.kind === 'bytes') {
            const update = updates.update(event);
            transfer.update(update);
            if (update && event.kind === 'layer') progress.report(`${stepText ? `${stepText} · ` : ''}${transfer.progress.snapshot().message}`);
          }
        };
        if (cli) {
          const settings = services.settings();
          const args = [
            'build',
            '-f',
            dockerfile,
            ...(name ? ['-t', name] : []),
            ...(platform ? ['--platform', platform] : []),
            ...(settings.trustRegistriesDir ? ['--registries.d', settings.trustRegistriesDir] : []),
            '--',
            context,
          ];
          const built = (await withCliLogins(services, cli, (withLogins) => callCli(withLogins, { args, signal: progress.signal, onEvent, onLine: (line) => services.log.info(line) }))).result as { id: string; tags: string[] };
          return { ...built, record: await store.find(built.id) };
        }
        return buildImage(store, {
          context,
          dockerfile,
          tags: name ? [name] : [],
          clients: services.registries.get(),
          verifyPull: pullVerifier(services, { keeper: signatures }),
          signatures,
          urlAccess: { proxy: services.settings().proxy },
          ...(platform ? { platform: parsePlatform(platform) } : {}),
          signal: progress.signal,
          onEvent,
        });
      },
      (r) => `${plural(r.record.summary.layerCount, 'layer')}, ${humanSize(r.record.summary.size)}`,
    );
    const revealed = await revealImage(services, result.id, !name);
    const shown = name ? familiarString(parseReference(name)) : shortId(result.id);
    services.log.info(`built ${result.id}${name ? ` as ${name}` : ''}`);
    void vscode.window.showInformationMessage(
      `Built ${shown} — ${plural(result.record.summary.layerCount, 'layer')}, ${humanSize(result.record.summary.size)}, ${elapsedText(Date.now() - started)}.`,
    );
    return { id: result.id, reference: result.tags[0], revealed, through: cli ? 'cli' : 'extension' };
  },
};

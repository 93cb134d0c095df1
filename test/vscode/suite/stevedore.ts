// Helpers for the tests that run inside VS Code: the extension's API, commands run through
// vscode.commands.executeCommand with their outcome checked, settings, and waiting for the views.

import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { StevedoreApi } from '../../../src/extension/extension';
import type { CommandOutcome } from '../../../src/extension/registerCommands';
import type { ImageNode } from '../../../src/extension/views/imageTreeModel';
import type { ImagesViewNode } from '../../../src/extension/views/imagesTreeProvider';

export const EXTENSION_ID = 'stevedore.stevedore';

export async function stevedoreApi(): Promise<StevedoreApi> {
  const ext = vscode.extensions.getExtension<StevedoreApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not loaded in this VS Code`);
  return ext.activate();
}

/** Runs a command and fails the test unless it succeeded; returns its value. */
export async function run<T = unknown>(command: string, ...args: unknown[]): Promise<T> {
  const outcome = await vscode.commands.executeCommand<CommandOutcome>(command, ...args);
  assert.ok(outcome, `${command} returned nothing`);
  if (!outcome.ok) assert.fail(`${command} failed: ${outcome.code ?? ''} ${outcome.message}`);
  return outcome.value as T;
}

/** Runs a command that must fail; returns the failure. */
export async function runFailing(command: string, ...args: unknown[]): Promise<Extract<CommandOutcome, { ok: false }>> {
  const outcome = await vscode.commands.executeCommand<CommandOutcome>(command, ...args);
  assert.ok(outcome && !outcome.ok, `${command} was expected to fail but succeeded`);
  return outcome;
}

export async function setSetting(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('stevedore').update(key, value, vscode.ConfigurationTarget.Global);
}

/**
 * The store's part of the Images view, the way VS Code asks for it: the rows under the Stevedore
 * store's row (or the view's own roots when the store is shown alone), then each group's children.
 */
export async function imagesViewNodes(api: StevedoreApi): Promise<{ roots: ImagesViewNode[]; images: ImageNode[] }> {
  const tree = api.imagesTree;
  const top = (await tree.getChildren()) ?? [];
  const storeRow = top.find((r) => r.kind === 'source' && r.source.kind === 'store');
  const roots = storeRow ? ((await tree.getChildren(storeRow)) ?? []).filter((r) => r.kind !== 'imagesHint') : top;
  const images: ImageNode[] = [];
  for (const root of roots) {
    if (root.kind === 'image') images.push(root);
    else if (root.kind === 'imageGroup') for (const child of (await tree.getChildren(root)) ?? []) if (child.kind === 'image') images.push(child);
  }
  return { roots, images };
}

/** The image items of the view labelled with a familiar reference, e.g. "example/app:1.0". */
export async function imageNamed(api: StevedoreApi, familiar: string): Promise<ImageNode> {
  const { images } = await imagesViewNodes(api);
  const found = images.find((n) => n.row.tag !== '<none>' && `${n.row.repository}:${n.row.tag}` === familiar);
  assert.ok(found, `no image ${familiar} in the Images view; it shows ${images.map((n) => `${n.row.repository}:${n.row.tag}`).join(', ') || 'nothing'}`);
  return found;
}

export async function familiarTags(api: StevedoreApi): Promise<string[]> {
  return (await imagesViewNodes(api)).images.map((n) => `${n.row.repository}:${n.row.tag}`).sort();
}

/**
 * Waits until the Images view, re-read after each change event, satisfies `predicate`. The test
 * harness's timeout bounds the wait; nothing here depends on how long a change takes.
 */
export async function untilImagesView(api: StevedoreApi, predicate: (tags: string[]) => boolean): Promise<string[]> {
  for (;;) {
    let sub: vscode.Disposable | undefined;
    // Subscribed before reading, so a change between the read and the wait is not missed.
    const changed = new Promise<void>((resolve) => {
      sub = api.imagesTree.onDidChangeTreeData!(() => resolve());
    });
    const tags = await familiarTags(api);
    if (predicate(tags)) {
      sub?.dispose();
      return tags;
    }
    await changed;
    sub?.dispose();
  }
}

/**
 * Runs the repository's built CLI on a store, as a user would beside VS Code. The suite bundle is
 * dist/test/vscode/suite/index.js, so the CLI is three folders up (the extension under test may be
 * an unpacked .vsix, which has no CLI).
 */
export function runCli(store: string, args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cli = join(__dirname, '..', '..', '..', 'cli.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, '--store', store, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
  });
}

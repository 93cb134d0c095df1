// Push and Sign…: the push of Push, then a signature for each pushed image, as `stevedore push
// --sign-by` / `--sign-by-sigstore-private-key` make them (core/trust/signOnPush.ts), written where
// the registries.d in effect (stevedore.trust.registriesDir, else the user's and the machine's)
// says. The key is picked: one of the user's GPG secret keys, another GPG key ID, or a cosign
// private key file with its passphrase (COSIGN_PASSWORD when set, else asked; never logged). The key
// is opened and registries.d checked before anything is sent. With stevedore.trust.signingKey set,
// that key is used without asking. Arguments for keybindings and tests:
// { reference, gpgKey } or { reference, sigstoreKeyFile, passphrase }.

import * as vscode from 'vscode';
import { readCosignPrivateKey } from '../../core/trust/cosignPrivateKey';
import { listGpgSecretKeys } from '../../core/trust/gpgSecretKeys';
import type { PushSigner } from '../../core/trust/signOnPush';
import { stringArg, type CommandContext, type ExtensionCommand } from './command';
import { pushReferences, pushTargets } from './pushImage';

export const pushAndSignCommand: ExtensionCommand = {
  id: 'stevedore.pushAndSign',
  operation: 'Push and sign',
  async run(ctx) {
    const targets = await pushTargets(ctx);
    if (!targets) return undefined;
    const signer = await pickSigner(ctx);
    if (!signer) return undefined;
    const settings = ctx.services.settings();
    return pushReferences(ctx, targets, { env: process.env, signer, ...(settings.trustRegistriesDir ? { registriesDir: settings.trustRegistriesDir } : {}) });
  },
};

type KeyPick = vscode.QuickPickItem & { pick: { kind: 'gpg'; fingerprint: string } | { kind: 'gpg-other' } | { kind: 'sigstore-file' } };

async function pickSigner(ctx: CommandContext): Promise<PushSigner | undefined> {
  const gpgKey = stringArg(ctx, 'gpgKey');
  if (gpgKey) return { kind: 'gpg', fingerprint: gpgKey };
  const keyFile = stringArg(ctx, 'sigstoreKeyFile');
  if (keyFile) return sigstoreSigner(keyFile, stringArg(ctx, 'passphrase'));
  const configured = ctx.services.settings().trustSigningKey;
  if (configured) {
    return isKeyFile(configured) ? sigstoreSigner(configured, stringArg(ctx, 'passphrase')) : { kind: 'gpg', fingerprint: configured };
  }
  const items: KeyPick[] = (await listGpgSecretKeys(process.env)).map((k) => ({
    label: `$(key) ${k.userId ?? k.fingerprint}`,
    description: k.userId ? k.fingerprint : 'GPG key',
    detail: 'GPG simple signing, written to the lookaside staging folder registries.d names',
    pick: { kind: 'gpg', fingerprint: k.fingerprint },
  }));
  items.push(
    { label: '$(file) Sigstore Private Key File…', detail: 'A cosign key (cosign.key); the signature is attached to the registry as the sha256-….sig tag', pick: { kind: 'sigstore-file' } },
    { label: '$(edit) Another GPG Key ID…', detail: 'A fingerprint or key ID gpg can sign with', pick: { kind: 'gpg-other' } },
  );
  const chosen = await vscode.window.showQuickPick(items, { placeHolder: 'Sign the pushed images with…', matchOnDescription: true });
  if (!chosen) return undefined;
  switch (chosen.pick.kind) {
    case 'gpg':
      return { kind: 'gpg', fingerprint: chosen.pick.fingerprint };
    case 'gpg-other': {
      const id = await vscode.window.showInputBox({ prompt: 'GPG key fingerprint or ID to sign with', placeHolder: 'gpg --list-secret-keys shows them', ignoreFocusOut: true });
      return id?.trim() ? { kind: 'gpg', fingerprint: id.trim() } : undefined;
    }
    case 'sigstore-file': {
      const files = await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Sign with This Key', title: 'Cosign private key (cosign.key)', filters: { 'Cosign keys': ['key', 'pem'], 'All files': ['*'] } });
      return files?.[0] ? sigstoreSigner(files[0].fsPath, undefined) : undefined;
    }
  }
}

/** stevedore.trust.signingKey names a cosign key file by a path separator or the file's usual endings. */
function isKeyFile(value: string): boolean {
  return value.includes('/') || value.includes('\\') || /\.(key|pem)$/i.test(value);
}

async function sigstoreSigner(keyPath: string, given: string | undefined): Promise<PushSigner | undefined> {
  let passphrase = given ?? process.env.COSIGN_PASSWORD;
  if (passphrase === undefined) {
    passphrase = await vscode.window.showInputBox({ prompt: `Passphrase of ${keyPath}`, password: true, ignoreFocusOut: true });
    if (passphrase === undefined) return undefined;
  }
  return { kind: 'sigstore', keyPath, key: await readCosignPrivateKey(keyPath, passphrase) };
}

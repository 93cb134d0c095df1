// A real Docker credential helper for tests (`docker-credential-stevedoretest`), speaking the helper
// protocol on stdin/stdout and keeping its secrets in a JSON file, so that credsStore/credHelpers
// code paths run against an actual helper program.

import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const TEST_HELPER = 'stevedoretest';

/** Writes the helper into `binDir`; put `binDir` first on PATH and set STEVEDORE_TEST_CRED_FILE. */
export async function installTestCredentialHelper(binDir: string): Promise<string> {
  await mkdir(binDir, { recursive: true });
  const path = join(binDir, `docker-credential-${TEST_HELPER}`);
  const script = `#!${process.execPath}
const fs = require('node:fs');
const file = process.env.STEVEDORE_TEST_CRED_FILE;
const load = () => { try { return JSON.parse(fs.readFileSync(file, 'utf8')); } catch { return {}; } };
const input = fs.readFileSync(0, 'utf8').trim();
const all = load();
switch (process.argv[2]) {
  case 'get': {
    const c = all[input];
    if (!c) { process.stdout.write('credentials not found in native keychain\\n'); process.exit(1); }
    process.stdout.write(JSON.stringify({ ServerURL: input, Username: c.Username, Secret: c.Secret }));
    break;
  }
  case 'store': {
    const c = JSON.parse(input);
    all[c.ServerURL] = { Username: c.Username, Secret: c.Secret };
    fs.writeFileSync(file, JSON.stringify(all));
    break;
  }
  case 'erase': {
    if (!all[input]) { process.stdout.write('credentials not found in native keychain\\n'); process.exit(1); }
    delete all[input];
    fs.writeFileSync(file, JSON.stringify(all));
    break;
  }
  default: process.exit(2);
}
`;
  await writeFile(path, script);
  await chmod(path, 0o755);
  return path;
}

// The V8 flags the launcher sets for a bundle before anything is compiled (launcher.ts says why
// each), or undefined to leave V8's defaults, and with them Node's own embedded code cache. Reads
// only the environment: the launcher runs it before any bundle is loaded.

import type { BundleName } from './bundleChoice';

/** The variables that send registry requests through a proxy (proxySettings.ts), and so through undici. */
const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'];

export function v8FlagsFor(bundle: BundleName, env: Readonly<Record<string, string | undefined>>): string | undefined {
  if (bundle === 'cliImages') return '--max-opt=1';
  if (bundle === 'cliMain') return '--liftoff-only';
  return PROXY_VARIABLES.some((name) => env[name]) ? '--liftoff-only' : undefined;
}

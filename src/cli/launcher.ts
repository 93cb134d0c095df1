// The `stevedore` executable (dist/cli.js): picks the bundle that runs the command (bundleChoice.ts:
// `images` has one of its own, and `pull` and `push` one), sets V8's flags for it (if any), then runs it
// through the compile cache.
// It stays tiny and imports only Node's own modules, since everything it loads is paid for before
// the command's first byte.

import { join } from 'node:path';
import { restoreExtraCaVariable } from '../core/http/deferredCaEnv';
import { bundleFor, type BundleName } from './bundleChoice';
import { commandVariant, compileCacheDir, loadThroughCompileCache } from './compileCache';
import { v8FlagsFor } from './v8Flags';

/**
 * A hash of each bundle and of each vendor file (`vendor/NAME`), set by scripts/build.mjs: cached
 * code is only ever used for the file it came from.
 */
declare const STEVEDORE_BUNDLE_IDS: Record<BundleName | `vendor/${string}`, string>;

restoreExtraCaVariable(process.env);
const argv = process.argv.slice(2);
const bundle = bundleFor(argv);

// Set before anything is compiled: V8's code cache records the flags it was made with, so the
// same flags must hold when a bundle is compiled and when its cache is written.
// - The full CLI: undici (proxies, import/ADD of a URL, https lookasides) parses HTTP with llhttp
//   compiled to WebAssembly; V8 then recompiles it with TurboFan on a background thread, which
//   costs ~85 ms of CPU and holds up the exit of the command by as much (measured: a 0.26 s `push`
//   of an image the registry has spent 60-80 ms after its last line). Baseline (Liftoff) code
//   parses a few small responses fast enough.
// - The registry bundle (pull, push): none, unless a proxy is set (then as the full CLI: its
//   requests go through undici). Without one its requests go on connections of our own, bodies
//   streamed both ways (http/keptAliveRequest.ts, registry/socketGet.ts), and never meet llhttp;
//   and changing a flag at run time costs every run ~8 ms of CPU and ~10 ms of wall (loading
//   node:v8, and Node's own modules loaded afterwards no longer matching their embedded code
//   cache), more than a no-op pull or push spends on its own work. Measured behind tinyproxy
//   without the flag: a push of a fresh 2 MB image 118 -> 200 ms of CPU.
// - `images`: its loops over the store's images get hot enough for TurboFan, whose compiles cost
//   more than they save in a run this short: without it a 1,000-image listing takes ~5 ms less
//   CPU, and a 10,000-row one ~40 ms less (perf stat, alternating runs). Sparkplug stays.
// The extension host, shared with other extensions, keeps V8's defaults.
const flags = v8FlagsFor(bundle, process.env);
if (flags) process.getBuiltinModule('node:v8').setFlagsFromString(flags);

// The registry bundle's caches (its vendor files' too) are kept apart for runs with the flag: V8 would refuse the other's.
const variant = bundle === 'cliRegistry' && flags ? `${commandVariant(argv)}-liftoff` : commandVariant(argv);
loadThroughCompileCache(join(__dirname, `${bundle}.js`), compileCacheDir(process.env), STEVEDORE_BUNDLE_IDS, bundle, variant);

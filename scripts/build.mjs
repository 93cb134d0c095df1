// Bundles the extension and the CLI with esbuild. `vscode` stays external: the host provides it.
// The CLI is dist/cli.js, a small launcher that runs one of its bundles (dist/cliMain.js, the whole
// program, dist/cliImages.js or dist/cliRegistry.js) through V8's code cache (src/cli/compileCache.ts) under the
// bundle's build ID.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';

/**
 * undici's Client loads its HTTP/2 half (and with it node:http2, ~10 ms of a start-up) when it is
 * loaded, although it runs only when a server picks h2 by ALPN, which undici asks for only with
 * `allowH2`, which Stevedore never sets. Required where it is first called instead; the build
 * fails if undici changes that line, so an upgrade cannot silently undo it.
 */
const lazyHttp2 = {
  name: 'lazy-undici-h2',
  setup(build) {
    build.onLoad({ filter: /[\\/]undici[\\/]lib[\\/]dispatcher[\\/]client\.js$/ }, async (args) => {
      const eager = "const connectH2 = require('./client-h2.js')";
      const source = await readFile(args.path, 'utf8');
      if (!source.includes(eager)) throw new Error(`${args.path} no longer has "${eager}": update lazyHttp2 in scripts/build.mjs`);
      return { contents: source.replace(eager, "const connectH2 = (...args) => require('./client-h2.js')(...args)"), loader: 'js' };
    });
  },
};

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  plugins: [lazyHttp2],
};

/**
 * esbuild escapes strings, but keeps comments (undici's "request’s …") and regular expressions as
 * written. The launcher reads an ASCII bundle without decoding it (compileCache.ts bundleSource),
 * so every other character becomes a \u escape: the same string or pattern in code, harmless in a
 * comment. (The bundle has no String.raw templates, where an escape would read differently.)
 */
async function asciiOnly(file) {
  const text = await readFile(file, 'utf8');
  const ascii = text.replace(/[^\t\n\r\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (ascii !== text) await writeFile(file, ascii);
}

// The CLI's bundles: the whole CLI, `images` alone, and `pull` with `push` (src/cli/bundleChoice.ts says why).
/**
 * The first lines of dist/cli.js, read by sh and by Node alike. For sh, the second line starts Node
 * without NODE_EXTRA_CA_CERTS, naming the file in STEVEDORE_DEFERRED_CA_CERTS instead: Node 20 reads
 * the variable's certificates before any script runs (about 37 ms of each start on a machine whose
 * variable names the system bundle); the CLI reads them when a TLS connection first needs them
 * (src/core/http/deferredCas.ts). For Node, the first line is a hashbang and the second a string
 * and a comment. `node dist/cli.js` skips the sh part and reads the variable as Node always does.
 */
const LAUNCHER_SHELL_LINES = [
  '#!/bin/sh',
  `':' //; if [ -n "\${NODE_EXTRA_CA_CERTS-}" ]; then export STEVEDORE_DEFERRED_CA_CERTS="$NODE_EXTRA_CA_CERTS"; unset NODE_EXTRA_CA_CERTS; fi; exec node "$0" "$@"`,
].join('\n');

const cliBundles = { cliMain: 'src/cli/main.ts', cliImages: 'src/cli/mainImages.ts', cliRegistry: 'src/cli/mainRegistry.ts' };

const cli = Promise.all(
  Object.entries(cliBundles).map(async ([name, entry]) => {
    const outfile = `dist/${name}.js`;
    await build({ ...common, entryPoints: [entry], outfile });
    await asciiOnly(outfile);
    return [name, createHash('sha256').update(await readFile(outfile)).digest('hex').slice(0, 16)];
  }),
).then(async (ids) => {
  await build({
    ...common,
    entryPoints: ['src/cli/launcher.ts'],
    outfile: 'dist/cli.js',
    banner: { js: LAUNCHER_SHELL_LINES },
    define: { STEVEDORE_BUNDLE_IDS: JSON.stringify(Object.fromEntries(ids)) },
  });
  await chmod('dist/cli.js', 0o755);
});

await Promise.all([
  build({ ...common, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] }),
  cli,
  // The inspector webview: browser code in one IIFE, and its stylesheet, in the only folder the
  // webview may load from (localResourceRoots); minified, as the page parses them on every open.
  build({ bundle: true, minify: true, platform: 'browser', target: 'es2022', format: 'iife', sourcemap: true, logLevel: 'warning', entryPoints: ['src/webview/inspector/main.ts'], outfile: 'dist/webview/inspector.js' }),
  build({ bundle: true, minify: true, logLevel: 'warning', entryPoints: ['src/webview/inspector/inspector.css'], outfile: 'dist/webview/inspector.css' }),
  // The Transfers view's page: the same rules, its own small bundle.
  build({ bundle: true, minify: true, platform: 'browser', target: 'es2022', format: 'iife', sourcemap: true, logLevel: 'warning', entryPoints: ['src/webview/transfers/main.ts'], outfile: 'dist/webview/transfers.js' }),
  build({ bundle: true, minify: true, logLevel: 'warning', entryPoints: ['src/webview/transfers/transfers.css'], outfile: 'dist/webview/transfers.css' }),
]);

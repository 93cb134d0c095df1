// Bundles the extension and the CLI with esbuild. `vscode` stays external: the host provides it.
// The CLI is dist/cli.js, a small launcher that runs one of its bundles (dist/cliMain.js, the whole
// program, dist/cliImages.js or dist/cliRegistry.js) through V8's code cache (src/cli/compileCache.ts) under the
// bundle's build ID.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

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

/**
 * Packages most runs of a command never load: undici (proxies, import from a URL), openpgp (GPG
 * signatures), yaml (registries.d files), sigstore's (cosign bundles). In the CLI's bundles they
 * were 2 MB of the 2.7 MB that every `pull` reads, copies and deserialises code for (~5-7 ms of a
 * no-op pull's CPU). They go
 * into files of their own, dist/vendor/NAME.js, which the bundles require on first use, and which
 * the launcher runs through the compile cache too (compileCache.ts). Each lists the specifiers the
 * code imports: one file serves them all, so undici's modules exist once; the build fails on any
 * other, so a new import cannot bring a second copy of the package into a bundle.
 */
const vendorPackages = {
  undici: ['undici', 'undici/lib/dispatcher/dispatcher.js', 'undici/lib/api/index.js', 'undici/lib/dispatcher/agent.js', 'undici/lib/dispatcher/proxy-agent.js'],
  openpgp: ['openpgp'],
  yaml: ['yaml'],
  sigstore: ['@sigstore/verify', '@sigstore/bundle'],
};

/** The vendor file that serves an import specifier: the one whose list names the package. */
function vendorOf(specifier) {
  const pkg = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0];
  return Object.keys(vendorPackages).find((name) => vendorPackages[name].some((s) => s === pkg || s.startsWith(`${pkg}/`)));
}

const vendorChunks = {
  name: 'vendor-chunks',
  setup(build) {
    build.onResolve({ filter: /^\.\/vendor\// }, (args) => ({ path: args.path, external: true }));
    build.onResolve({ filter: /^(undici|openpgp|yaml|@sigstore\/[^/]+)(\/|$)/ }, (args) => {
      const name = vendorOf(args.path);
      if (!name || !vendorPackages[name].includes(args.path)) return { errors: [{ text: `${args.path} is not among vendorPackages in scripts/build.mjs: add it there` }] };
      return { path: args.path, namespace: 'vendor-chunk', pluginData: name };
    });
    build.onLoad({ filter: /.*/, namespace: 'vendor-chunk' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(`./vendor/${args.pluginData}.js`)})(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

/** One vendor file: a function from each listed specifier to that module, evaluated on first use. */
async function buildVendor(name) {
  const table = vendorPackages[name].map((s) => `${JSON.stringify(s)}: () => require(${JSON.stringify(s)})`).join(',\n');
  const outfile = `dist/vendor/${name}.js`;
  await build({
    ...common,
    stdin: { contents: `const modules = {\n${table}\n};\nmodule.exports = (specifier) => modules[specifier]();\n`, resolveDir: dirname(new URL(import.meta.url).pathname) + '/..', loader: 'js', sourcefile: `vendor-${name}.js` },
    outfile,
  });
  await asciiOnly(outfile);
  return [`vendor/${name}`, createHash('sha256').update(await readFile(outfile)).digest('hex').slice(0, 16)];
}

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

const cli = Promise.all([
  ...Object.entries(cliBundles).map(async ([name, entry]) => {
    const outfile = `dist/${name}.js`;
    await build({ ...common, plugins: [...common.plugins, vendorChunks], entryPoints: [entry], outfile });
    await asciiOnly(outfile);
    return [name, createHash('sha256').update(await readFile(outfile)).digest('hex').slice(0, 16)];
  }),
  ...Object.keys(vendorPackages).map(buildVendor),
]).then(async (ids) => {
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

// Bundles the extension and the CLI with esbuild. `vscode` stays external: the host provides it.
// The CLI is two files: dist/cliMain.js (the program) and dist/cli.js, a small launcher that runs
// it through V8's code cache (src/cli/compileCache.ts) under the bundle's build ID.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { chmod, readFile } from 'node:fs/promises';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
};

const cliMain = build({ ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cliMain.js' }).then(async () => {
  const id = createHash('sha256').update(await readFile('dist/cliMain.js')).digest('hex').slice(0, 16);
  await build({
    ...common,
    entryPoints: ['src/cli/launcher.ts'],
    outfile: 'dist/cli.js',
    banner: { js: '#!/usr/bin/env node' },
    define: { STEVEDORE_BUNDLE_ID: JSON.stringify(id) },
  });
  await chmod('dist/cli.js', 0o755);
});

await Promise.all([
  build({ ...common, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] }),
  cliMain,
  // The inspector webview: browser code in one IIFE, and its stylesheet, in the only folder the
  // webview may load from (localResourceRoots); minified, as the page parses them on every open.
  build({ bundle: true, minify: true, platform: 'browser', target: 'es2022', format: 'iife', sourcemap: true, logLevel: 'warning', entryPoints: ['src/webview/inspector/main.ts'], outfile: 'dist/webview/inspector.js' }),
  build({ bundle: true, minify: true, logLevel: 'warning', entryPoints: ['src/webview/inspector/inspector.css'], outfile: 'dist/webview/inspector.css' }),
]);

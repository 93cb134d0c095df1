// Bundles the extension and the CLI with esbuild. `vscode` stays external: the host provides it.
import { build } from 'esbuild';
import { chmod } from 'node:fs/promises';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
};

await Promise.all([
  build({ ...common, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] }),
  build({ ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } }),
  // The inspector webview: browser code in one IIFE, and its stylesheet, in the only folder the
  // webview may load from (localResourceRoots); minified, as the page parses them on every open.
  build({ bundle: true, minify: true, platform: 'browser', target: 'es2022', format: 'iife', sourcemap: true, logLevel: 'warning', entryPoints: ['src/webview/inspector/main.ts'], outfile: 'dist/webview/inspector.js' }),
  build({ bundle: true, minify: true, logLevel: 'warning', entryPoints: ['src/webview/inspector/inspector.css'], outfile: 'dist/webview/inspector.css' }),
]);
await chmod('dist/cli.js', 0o755);

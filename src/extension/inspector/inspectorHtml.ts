// The one place that builds the inspector's HTML. Its Content Security Policy allows nothing by
// default; the bundled script runs only because it carries this page's nonce (fresh random bytes
// for every page), styles and images come only from the extension's webview folder, and there is
// no inline script or `unsafe-inline` anywhere. Everything interpolated is escaped. No vscode
// import: the caller passes the webview's URIs and CSP source as strings.

import { randomBytes } from 'node:crypto';
import type { ImageOverview, InspectorTarget } from '../../webview/inspector/protocol';

export interface InspectorPage {
  /** `webview.cspSource`: the origin the webview loads local resources from. */
  cspSource: string;
  /** `webview.asWebviewUri(...)` of dist/webview/inspector.js and inspector.css. */
  scriptUri: string;
  styleUri: string;
  nonce: string;
  title: string;
  target: InspectorTarget;
  /** The header and layers table's data when the host has read it already: the page draws it at once, without asking. */
  image?: ImageOverview;
}

/** 128 random bits, base64: a nonce nobody can guess, different for every page. */
export function newNonce(): string {
  return randomBytes(16).toString('base64');
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} data:`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

export function inspectorHtml(page: InspectorPage): string {
  const csp = contentSecurityPolicy(page.cspSource, page.nonce);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeHtml(page.styleUri)}">
<title>${escapeHtml(page.title)}</title>
</head>
<body>
<div id="app" data-target="${escapeHtml(JSON.stringify(page.target))}"${page.image ? ` data-image="${escapeHtml(JSON.stringify(page.image))}"` : ''}>Loading…</div>
<script nonce="${escapeHtml(page.nonce)}" src="${escapeHtml(page.scriptUri)}"></script>
</body>
</html>
`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

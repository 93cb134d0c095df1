// The one place that builds the inspector's HTML. Its Content Security Policy allows nothing by
// default; the bundled script and stylesheet are written into the page and run or apply only
// because they carry this page's nonce (fresh random bytes for every page); images and fonts come
// only from the extension's webview folder; there is no `unsafe-inline`, no event handler
// attribute and no style attribute. Inline rather than fetched: a webview fetches each file
// through VS Code's service worker and the window (a round trip to the server in code-server),
// and the hidden page is shown only once its files are in, so two fetches were most of the
// page's own share of the first paint. Everything interpolated is escaped. No vscode import: the
// caller passes the CSP source and the files' text as strings.

import { randomBytes } from 'node:crypto';
import type { ImageOverview, InspectorTarget } from '../../webview/inspector/protocol';

export interface InspectorPage {
  /** `webview.cspSource`: the origin the webview loads local resources from. */
  cspSource: string;
  /** The text of dist/webview/inspector.js and inspector.css (see InspectorAssets). */
  script: string;
  style: string;
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
    `style-src ${cspSource} 'nonce-${nonce}'`,
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
<style nonce="${escapeHtml(page.nonce)}">${rawText(page.style, 'style')}</style>
<title>${escapeHtml(page.title)}</title>
</head>
<body>
<div id="app" data-target="${escapeHtml(JSON.stringify(page.target))}"${page.image ? ` data-image="${escapeHtml(JSON.stringify(page.image))}"` : ''}>Loading…</div>
<script nonce="${escapeHtml(page.nonce)}">${rawText(page.script, 'script')}</script>
</body>
</html>
`;
}

/**
 * A script's or stylesheet's text as the body of its element, which ends at the first `</script`
 * or `</style` (any case) whatever surrounds it. The bundles are ours and have none; one that
 * did would end the element early and run the rest as page markup, so it is refused instead.
 */
function rawText(text: string, element: 'script' | 'style'): string {
  if (new RegExp(`</${element}|<!--`, 'i').test(text)) throw new Error(`The inspector's ${element} contains "</${element}" or "<!--" and cannot be written into its page; rebuild the webview bundle.`);
  return text;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

// The Transfers view's page: the same Content Security Policy as the inspector (nothing by default,
// the bundled script by nonce, styles from the extension's webview folder only).

import { contentSecurityPolicy, escapeHtml } from '../inspector/inspectorHtml';

export interface TransfersPage {
  cspSource: string;
  scriptUri: string;
  styleUri: string;
  nonce: string;
}

export function transfersHtml(page: TransfersPage): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(contentSecurityPolicy(page.cspSource, page.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeHtml(page.styleUri)}">
<title>Transfers</title>
</head>
<body>
<div id="transfers" aria-live="polite"></div>
<script nonce="${escapeHtml(page.nonce)}" src="${escapeHtml(page.scriptUri)}"></script>
</body>
</html>
`;
}

// Entry of the inspector webview bundle (dist/webview/inspector.js). Which image the panel shows
// comes from the saved state (after a reload) or from the page itself (a `data-target` attribute
// the host writes), then the app takes over and shakes hands with the host.

import { InspectorApp } from './inspectorApp';
import { IpcEndpoint } from './ipc';
import { initialViewState, parseInspectorTarget, parseViewState, type ImageOverview, type InspectorViewState } from './protocol';
import { vscodeApi } from './vscodeApi';

function main(): void {
  const api = vscodeApi();
  const root = document.getElementById('app');
  if (!root) return;
  const endpoint = new IpcEndpoint(
    (message) => api.postMessage(message),
    (problem) => console.warn(`stevedore inspector: ${problem}`),
  );
  window.addEventListener('message', (event: MessageEvent<unknown>) => endpoint.receive(event.data));

  const fromPage = parseInspectorTarget(safeJson(root.dataset.target));
  const saved = parseViewState(api.getState());
  // The page names the image the host opened; a saved state for another image is from an old panel.
  let state: InspectorViewState | null = saved && (!fromPage || saved.image.manifestDigest === fromPage.manifestDigest) ? saved : null;
  if (!state && fromPage) state = initialViewState(fromPage);
  if (!state) {
    root.textContent = 'This inspector does not know which image to show. Close it and open the image again from the Images view.';
    return;
  }
  // The image as the host read it before writing the page: drawn at once, without a round trip.
  const image = safeJson(root.dataset.image) as ImageOverview | undefined;
  const initial = image && typeof image === 'object' && Array.isArray(image.layers) && typeof image.title === 'string' ? image : undefined;
  new InspectorApp(root, { endpoint, saveState: (s) => api.setState(s) }, state).start(initial);
}

function safeJson(text: string | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

main();

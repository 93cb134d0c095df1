// The object VS Code gives a webview script (once: a second acquireVsCodeApi() call throws), typed
// for the inspector's messages and saved state.

import type { InspectorViewState, IpcMessage } from './protocol';

export interface InspectorVsCodeApi {
  postMessage(message: IpcMessage): void;
  getState(): unknown;
  setState(state: InspectorViewState): void;
}

declare function acquireVsCodeApi(): InspectorVsCodeApi;

export function vscodeApi(): InspectorVsCodeApi {
  return acquireVsCodeApi();
}

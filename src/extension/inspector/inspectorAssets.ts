// The inspector page's script and stylesheet (dist/webview/inspector.js and .css), read from the
// extension's folder once and then written into every page (see inspectorHtml.ts): the files do
// not change while the extension runs, and a page that carries them paints without fetching.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface InspectorAssetTexts {
  script: string;
  style: string;
}

export class InspectorAssets {
  private texts: Promise<InspectorAssetTexts> | undefined;

  /** `webviewFolder`: the file-system path of dist/webview. */
  constructor(private readonly webviewFolder: string) {}

  /** The two files' text; read on the first call, and again after a failed read. */
  read(): Promise<InspectorAssetTexts> {
    if (!this.texts) {
      const reading = Promise.all([readFile(join(this.webviewFolder, 'inspector.js'), 'utf8'), readFile(join(this.webviewFolder, 'inspector.css'), 'utf8')]).then(([script, style]) => ({ script, style }));
      this.texts = reading;
      reading.catch(() => {
        if (this.texts === reading) this.texts = undefined;
      });
    }
    return this.texts;
  }
}

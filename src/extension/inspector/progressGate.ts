// Progress reaches the webview as messages, and the core reports every mebibyte read; a 200 MB
// image would send hundreds. The gate lets through each new step (another layer, another blob)
// and then one message per percent of that step's bytes, which is all a progress bar can show.

export class ProgressGate {
  private step = '';
  private lastBytes = -1;

  /** Whether an event for `step` at `bytes` of `totalBytes` is worth sending. */
  pass(step: string, bytes: number, totalBytes: number): boolean {
    if (step !== this.step) {
      this.step = step;
      this.lastBytes = bytes;
      return true;
    }
    if (bytes === this.lastBytes) return false;
    const percent = Math.max(1, totalBytes / 100);
    if (bytes >= totalBytes || bytes - this.lastBytes >= percent) {
      this.lastBytes = bytes;
      return true;
    }
    return false;
  }
}

// Progress reaches the webview as messages, and the core reports every mebibyte read; a 200 MB
// image would send hundreds. The gate lets through each new step (another layer, another blob)
// and then at most one message per `1/steps` of that step's bytes: more than a progress bar can
// show only costs the webview (which shares the CPU with the analysis) time to draw it.

export class ProgressGate {
  private step = '';
  private lastBytes = -1;

  /** `steps`: how many messages a step's bytes may produce at most (100: one per percent). */
  constructor(private readonly steps = 100) {}

  /** Whether an event for `step` at `bytes` of `totalBytes` is worth sending. */
  pass(step: string, bytes: number, totalBytes: number): boolean {
    // Bytes going back mean the step began again (the same layer twice in an image, read again).
    if (step !== this.step || bytes < this.lastBytes) {
      this.step = step;
      this.lastBytes = bytes;
      return true;
    }
    if (bytes === this.lastBytes) return false;
    const stride = Math.max(1, totalBytes / this.steps);
    if (bytes >= totalBytes || bytes - this.lastBytes >= stride) {
      this.lastBytes = bytes;
      return true;
    }
    return false;
  }
}

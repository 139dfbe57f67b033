/** A one-line progress bar on a terminal (stderr), redrawn at most every 200 ms. */
export class ProgressBar {
  private lastDraw = 0;
  private drawn = false;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly total: number | undefined,
  ) {}

  /** Whether a bar makes sense on this stream (a terminal, not a pipe or file). */
  static enabledFor(stream: NodeJS.WriteStream): boolean {
    return stream.isTTY === true;
  }

  update(done: number, events: number, now = performance.now()): void {
    if (now - this.lastDraw < 200) return;
    this.lastDraw = now;
    const width = 30;
    let line: string;
    if (this.total !== undefined && this.total > 0) {
      const fraction = Math.min(1, done / this.total);
      const filled = Math.round(fraction * width);
      line = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(fraction * 100).toFixed(1)}% ${events.toLocaleString('en-US')} events`;
    } else {
      line = `${events.toLocaleString('en-US')} events`;
    }
    this.stream.write(`\r${line}\u001b[K`);
    this.drawn = true;
  }

  clear(): void {
    if (this.drawn) this.stream.write('\r\u001b[K');
    this.drawn = false;
  }
}

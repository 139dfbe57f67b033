export interface StoreBackpressureOptions {
  /** A commit slower than this pauses consumption. */
  commitLatencyMs: number;
  /** While paused, the store is probed this often. */
  checkEveryMs: number;
  /** A probe answered within this resumes consumption. */
  resumeBelowMs: number;
  /** A cheap round trip to the store (e.g. `store.ping()`). */
  probe: () => Promise<unknown>;
  onPause: (latencyMs: number) => void;
  onResume: (probeMs: number) => void;
  /** Wall clock in ms; replaceable in tests. */
  now?: () => number;
}

/**
 * Pauses Kafka consumption while the store falls behind: a commit slower than `commitLatencyMs`
 * pauses; then the store is probed every `checkEveryMs` and consumption resumes once a probe
 * answers within `resumeBelowMs`. Fetching stops while paused, so the broker keeps the backlog
 * rather than Keywatch's memory, and the group membership stays alive (heartbeats continue).
 *
 * @example
 * const backpressure = new StoreBackpressure({ commitLatencyMs: 2000, checkEveryMs: 2000,
 *   resumeBelowMs: 250, probe: () => store.ping(), onPause: pauseAll, onResume: resumeAll });
 * if (backpressure.observe(commitMs)) break; // stop taking this batch, it is fetched again later
 */
export class StoreBackpressure {
  private readonly options: StoreBackpressureOptions;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private pausedNow = false;
  private stopped = false;

  constructor(options: StoreBackpressureOptions) {
    this.options = options;
    this.now = options.now ?? (() => performance.now());
  }

  /** True while consumption is paused. */
  get paused(): boolean {
    return this.pausedNow;
  }

  /** Reports one commit's latency; returns true when it paused consumption. */
  observe(latencyMs: number): boolean {
    if (this.pausedNow || this.stopped || latencyMs <= this.options.commitLatencyMs) return false;
    this.pausedNow = true;
    this.options.onPause(latencyMs);
    this.schedule();
    return true;
  }

  /** Stops probing (shutdown); consumption is not resumed. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.check(), this.options.checkEveryMs);
    this.timer.unref();
  }

  private async check(): Promise<void> {
    const started = this.now();
    let ok = true;
    try {
      await this.options.probe();
    } catch {
      ok = false;
    }
    const took = this.now() - started;
    if (this.stopped) return;
    if (ok && took <= this.options.resumeBelowMs) {
      this.pausedNow = false;
      this.options.onResume(took);
      return;
    }
    this.schedule();
  }
}

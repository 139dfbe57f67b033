import type { Logger } from 'pino';
import type { AlertEventRecord, WebhookStore } from '../store/types.js';

export interface AlertFeedOptions {
  store: WebhookStore;
  logger: Logger;
  /** How often the change log is read while someone listens (commits elsewhere, people's changes). */
  pollIntervalMs: number;
}

/** A listener of the feed: gets each new alert event once, in seq order. */
export type AlertFeedListener = (event: AlertEventRecord) => void;

const PAGE = 500;

/**
 * Tails the alert change log for the live stream: one reader per process however many clients
 * listen. It reads while anyone listens, every `pollIntervalMs` and at once after `wake()` (called
 * after each local commit), so a local alert reaches clients within milliseconds and one stored by
 * another instance or a person within the poll interval.
 */
export class AlertFeed {
  readonly #options: AlertFeedOptions;
  readonly #listeners = new Set<AlertFeedListener>();
  #lastSeq: number | undefined;
  #reading: Promise<void> | undefined;
  #readAgain = false;
  #timer: NodeJS.Timeout | undefined;
  #wakeScheduled = false;

  constructor(options: AlertFeedOptions) {
    this.#options = options;
  }

  /**
   * Starts delivering events committed from now on to `listener` (resolves once the feed knows where
   * the log ends). A client that must not miss anything subscribes first, then reads the log up to its
   * end itself, and skips the events it already has: every event is in one or the other.
   */
  async subscribe(listener: AlertFeedListener): Promise<() => void> {
    this.#listeners.add(listener);
    if (this.#lastSeq === undefined) {
      const latest = await this.#options.store.latestAlertEventSeq();
      this.#lastSeq ??= latest;
    }
    if (this.#timer === undefined && this.#listeners.size > 0) {
      this.#timer = setInterval(() => this.wake(), this.#options.pollIntervalMs);
      this.#timer.unref();
    }
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size > 0) return;
      this.#stopTimer();
      // Nobody listens: the next listener starts from the end of the log, not from here.
      if (this.#reading === undefined) this.#lastSeq = undefined;
    };
  }

  /** Reads the log now (coalesced). */
  wake(): void {
    if (this.#listeners.size === 0 || this.#wakeScheduled) return;
    this.#wakeScheduled = true;
    setImmediate(() => {
      this.#wakeScheduled = false;
      void this.#read();
    });
  }

  /** Stops reading; listeners are dropped. */
  close(): void {
    this.#listeners.clear();
    this.#stopTimer();
  }

  #stopTimer(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async #read(): Promise<void> {
    if (this.#reading !== undefined) {
      this.#readAgain = true;
      return this.#reading;
    }
    this.#reading = (async () => {
      try {
        do {
          this.#readAgain = false;
          for (;;) {
            const after = this.#lastSeq;
            if (after === undefined) break;
            const events = await this.#options.store.listAlertEvents({ after, limit: PAGE });
            for (const event of events) {
              this.#lastSeq = event.seq;
              for (const listener of this.#listeners) listener(event);
            }
            if (events.length < PAGE) break;
          }
        } while (this.#readAgain && this.#listeners.size > 0);
      } catch (error) {
        this.#options.logger.error({ err: error }, 'reading alert events for the live stream failed');
      } finally {
        this.#reading = undefined;
      }
    })();
    return this.#reading;
  }
}

import type { KeywatchConfig } from '../config/load.js';
import { RequestIdDeduper } from './dedupe.js';
import { createEventParser } from './parse.js';
import type { ParseResult } from './types.js';

/**
 * The first stage of every source: parse and validate one input (an NDJSON line, the bytes of a
 * message, or a parsed value) and drop exact duplicates by `requestId`. Pure over its input sequence
 * (no clock but the future-time reference), so it gives the same answers in the engine's thread and
 * in the intake worker (`threaded-intake.ts`).
 */
export class EventIntake {
  private readonly parse: ReturnType<typeof createEventParser>;
  private readonly deduper: RequestIdDeduper | undefined;

  /** `referenceTime`: wall-clock reference for the `future_ts` check (validation only, never detection). */
  constructor(events: KeywatchConfig['events'], referenceTime: () => number = Date.now) {
    this.parse = createEventParser({
      format: events.format,
      mapping: events.mapping,
      maxLineBytes: events.maxLineBytes,
      maxFieldChars: events.maxFieldChars,
      maxFutureMs: events.maxFutureSeconds * 1000,
      referenceTime,
    });
    this.deduper =
      events.dedupeCapacity > 0 ? new RequestIdDeduper({ capacity: events.dedupeCapacity }) : undefined;
  }

  /** The canonical event, or why the input was refused (`duplicate` included). */
  read(input: unknown): ParseResult {
    const result = this.parse(input);
    if (result.ok && result.event.requestId !== undefined && this.deduper?.seen(result.event.requestId)) {
      return { ok: false, rejection: DUPLICATE };
    }
    return result;
  }
}

const DUPLICATE = Object.freeze({
  reason: 'duplicate' as const,
  message: 'duplicate of an earlier event with the same requestId',
});

import type { KeywatchConfig } from '../config/load.js';
import { createEnricher } from '../enrich/enrich.js';
import { EventIntake } from '../events/intake.js';
import { ReorderBuffer } from '../events/reorder.js';
import type { AccessEvent, EnrichedEvent, Rejection, RejectReason } from '../events/types.js';
import { Engine } from './engine.js';
import type { PolicyResolver } from './policy.js';
import type { PreparedDetector } from './registry.js';
import type { AlertChange } from './types.js';

/** A rejected input with where it came from (line number, Kafka offset… as the source counts). */
export interface RejectedInput extends Rejection {
  position: number | string | undefined;
}

export interface PipelineOptions {
  config: KeywatchConfig;
  detectors: PreparedDetector[];
  onChange: (change: AlertChange) => void;
  onReject?: (rejected: RejectedInput, raw: unknown) => void;
  onDetectorError?: (detector: string, error: unknown, event: EnrichedEvent) => void;
  /** Wall-clock reference for the `future_ts` check (validation only, never detection). */
  referenceTime?: () => number;
  policies?: PolicyResolver;
  /** Track changed keys for checkpoints and keep client inventories (serve). */
  service?: boolean;
}

/** Counts of what the pipeline read, accepted and rejected. */
export interface PipelineStats {
  read: number;
  accepted: number;
  rejected: number;
  rejectedByReason: Partial<Record<RejectReason, number>>;
  late: number;
}

/**
 * Parse → drop duplicates → reorder (bounded lateness) → enrich → engine. Every source (replay,
 * HTTP, Kafka) goes through this one path, so they produce the same alerts for the same events.
 */
export class Pipeline {
  readonly engine: Engine;
  readonly stats: PipelineStats = { read: 0, accepted: 0, rejected: 0, rejectedByReason: {}, late: 0 };
  private readonly intake: EventIntake;
  private readonly reorder: ReorderBuffer<AccessEvent>;
  private readonly released: AccessEvent[] = [];
  private readonly enrich: ReturnType<typeof createEnricher>;
  private readonly onReject: PipelineOptions['onReject'];

  constructor(options: PipelineOptions) {
    const { config } = options;
    this.engine = new Engine({
      config,
      detectors: options.detectors,
      onChange: options.onChange,
      ...(options.onDetectorError ? { onDetectorError: options.onDetectorError } : {}),
      ...(options.policies ? { policies: options.policies } : {}),
      trackChanges: options.service === true,
      inventory: options.service === true,
    });
    this.intake = new EventIntake(config.events, options.referenceTime);
    this.reorder = new ReorderBuffer<AccessEvent>({
      allowedLatenessMs: config.events.reorderWindowSeconds * 1000,
    });
    this.enrich = createEnricher({ cacheSize: config.enrich.geoCacheSize });
    this.onReject = options.onReject;
  }

  /**
   * Takes one input: an NDJSON line (string) or an already-parsed value. Returns the rejection, if
   * any; accepted events may be held briefly by the reorder buffer.
   */
  ingest(input: unknown, position?: number | string): Rejection | undefined {
    const result = this.intake.read(input);
    if (!result.ok) {
      this.stats.read++;
      return this.reject(result.rejection, position, input);
    }
    this.admit(result.event);
    return undefined;
  }

  /**
   * Takes an event that was parsed and checked for duplicates elsewhere (the intake worker of
   * `threaded-intake.ts`), exactly as `ingest` would after those steps.
   */
  admit(event: AccessEvent): void {
    this.stats.read++;
    this.stats.accepted++;
    // One array reused for what the reorder buffer releases: nothing allocated per event.
    const released = this.reorder.push(event, this.released);
    for (let index = 0; index < released.length; index++) this.run(released[index]!);
    released.length = 0;
  }

  /** Reports an input refused before the pipeline saw it (an oversized line, the intake worker's verdict). */
  rejectRaw(rejection: Rejection, position?: number | string): void {
    this.stats.read++;
    this.reject(rejection, position, undefined);
  }

  /**
   * End of input (or of one HTTP request / Kafka batch, so that everything acknowledged has been
   * processed): releases everything held for reordering and lets quiet episodes close.
   */
  flush(): void {
    const held = this.reorder.drain();
    for (let index = 0; index < held.length; index++) this.run(held[index]!);
    this.stats.late = this.reorder.lateCount;
    this.engine.advanceTo(this.engine.watermark);
  }

  private run(event: AccessEvent): void {
    const enriched = this.enrich(event);
    if (enriched !== null) this.engine.process(enriched);
  }

  private reject(rejection: Rejection, position: number | string | undefined, raw: unknown): Rejection {
    this.stats.rejected++;
    this.stats.rejectedByReason[rejection.reason] = (this.stats.rejectedByReason[rejection.reason] ?? 0) + 1;
    this.onReject?.({ ...rejection, position }, raw);
    return rejection;
  }
}

import type { LocalTimeResolver } from '../../src/events/local-time.js';
import type { UsageSpikeConfig } from './config.js';
import { alphaForHalfLife } from './model.js';

/** The validated config plus what is compiled from it once. */
export interface UsageSpikePrepared extends UsageSpikeConfig {
  /** EWMA weight of one minute for the level. */
  alpha: number;
  /** 1 − alpha: what is left of the level after one empty minute. */
  retention: number;
  /** What is left of a remembered peak after one minute. */
  peakRetention: number;
  /** `retention ** k` for short gaps of `k` minutes (see `decayOver`). */
  retentionPowers: Float64Array;
  /** `peakRetention ** k` for short gaps of `k` minutes. */
  peakRetentionPowers: Float64Array;
  /** Per metric (see METRICS), the multiple of the recent peak a settled key must exceed to page. */
  peakFactors: number[];
  /** Shared resolver of local hour-of-week (DST-exact, cached per zone and UTC hour). */
  localTime: LocalTimeResolver;
}

/**
 * Gaps up to this many minutes (three days) find their decay in a table: a sparse key pays a
 * `Math.pow` on nearly every event otherwise, and the table holds the very same numbers.
 */
const TABULATED_MINUTES = 4_320;

/** Compiles the config once: the per-minute EWMA weight, decay tables, the local-time resolver. */
export function prepareUsageSpike(
  config: UsageSpikeConfig,
  localTime: LocalTimeResolver,
): UsageSpikePrepared {
  const alpha = alphaForHalfLife(config.halfLifeMinutes);
  const retention = 1 - alpha;
  const peakRetention = 0.5 ** (1 / (config.peakHalfLifeDays * 1440));
  return {
    ...config,
    alpha,
    retention,
    peakRetention,
    retentionPowers: powers(retention),
    peakRetentionPowers: powers(peakRetention),
    peakFactors: [config.peakFactor, config.bytesPeakFactor, config.peakFactor],
    localTime,
  };
}

function powers(base: number): Float64Array {
  const table = new Float64Array(TABULATED_MINUTES + 1);
  for (let minutes = 0; minutes <= TABULATED_MINUTES; minutes++) table[minutes] = base ** minutes;
  return table;
}

/**
 * `base ** minutes` for a decay table of `base` (`retentionPowers` or `peakRetentionPowers`), exactly
 * as `**` computes it.
 *
 * @example decayOver(prepared.retentionPowers, prepared.retention, 90) === prepared.retention ** 90
 */
export function decayOver(table: Float64Array, base: number, minutes: number): number {
  return minutes < table.length ? table[minutes]! : base ** minutes;
}

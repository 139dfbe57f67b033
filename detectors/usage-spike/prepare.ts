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
  /** Shared resolver of local hour-of-week (DST-exact, cached per zone and UTC hour). */
  localTime: LocalTimeResolver;
}

/** Compiles the config once: the per-minute EWMA weight, the local-time resolver. */
export function prepareUsageSpike(
  config: UsageSpikeConfig,
  localTime: LocalTimeResolver,
): UsageSpikePrepared {
  const alpha = alphaForHalfLife(config.halfLifeMinutes);
  const peakRetention = 0.5 ** (1 / (config.peakHalfLifeDays * 1440));
  return { ...config, alpha, retention: 1 - alpha, peakRetention, localTime };
}

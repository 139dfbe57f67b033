import { createLocalTimeResolver } from '../../src/events/local-time.js';
import type { DetectorDefinition } from '../types.js';
import { type UsageSpikeConfig, usageSpikeConfigSchema } from './config.js';
import { describeUsageSpikeState } from './describe-state.js';
import { evaluateUsageSpike } from './evaluate.js';
import { USAGE_SPIKE_ID } from './finding.js';
import { prepareUsageSpike, type UsageSpikePrepared } from './prepare.js';
import { initialUsageSpikeState, type UsageSpikeState } from './state.js';

export type { UsageSpikeConfig } from './config.js';
export type { UsageSpikePrepared } from './prepare.js';
export type { RateRhythm, RhythmicUsageSpikeState, UsageSpikeState, UsageStats } from './state.js';

/**
 * `usage-spike`: per key, per-minute requests, bytes out and errors (4xx/5xx) against a baseline
 * that knows the key's recent level, its variance and its weekly rhythm in local time; reports a
 * burst within its first minute, with expected against observed.
 *
 * @example
 * const prepared = usageSpike.prepare!(Value.Default(usageSpike.configSchema, {}) as UsageSpikeConfig);
 * let state = usageSpike.initialState();
 * const { state: next, finding } = usageSpike.evaluate(event, state, prepared, ctx);
 * // finding?.subject === 'rate:requests'
 */
export const usageSpike: DetectorDefinition<
  UsageSpikeState,
  typeof usageSpikeConfigSchema,
  UsageSpikePrepared
> = {
  id: USAGE_SPIKE_ID,
  version: 2,
  title: 'Usage spike',
  description:
    'A burst of requests, response bytes or failed calls far above what the key usually does at this hour of its week (EWMA level and variance per minute, weekly rhythm in local time).',
  configSchema: usageSpikeConfigSchema,
  prepare(config: UsageSpikeConfig): UsageSpikePrepared {
    return prepareUsageSpike(config, createLocalTimeResolver());
  },
  initialState: initialUsageSpikeState,
  evaluate: evaluateUsageSpike,
  describeState: describeUsageSpikeState,
};

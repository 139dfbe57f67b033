import { createLocalTimeResolver, type LocalTimeResolver } from '../../src/events/local-time.js';
import type { DetectorDefinition } from '../types.js';
import { type OddHoursConfig, oddHoursConfigSchema } from './config.js';
import { describeOddHoursState } from './describe-state.js';
import { evaluateOddHours } from './evaluate.js';
import { ODD_HOURS_ID } from './finding.js';
import { type OddHoursPrepared, prepareOddHours } from './prepare.js';
import { emptyProfile, type OddHoursState } from './profile.js';

export type { OddHoursConfig } from './config.js';
export type { OddHoursPrepared } from './prepare.js';
export type { OddHoursState } from './profile.js';

/**
 * One resolver for the process: it only caches (zone, UTC hour) → local hour-of-week, which is the
 * same for every key, so sharing it is not shared detection state.
 */
let localTime: LocalTimeResolver | undefined;

/**
 * `odd-hours`: learns each key's hour-of-week activity in its local time and reports use at an
 * hour that is rare for the key (or outside its declared business hours).
 *
 * @example
 * const prepared = oddHours.prepare!(Value.Default(oddHours.configSchema, {}) as OddHoursConfig);
 * let state = oddHours.initialState();
 * const { state: next, finding } = oddHours.evaluate(event, state, prepared, ctx);
 * // finding?.subject === 'hour:Sun 03'
 */
export const oddHours: DetectorDefinition<OddHoursState, typeof oddHoursConfigSchema, OddHoursPrepared> = {
  id: ODD_HOURS_ID,
  version: 2,
  title: 'Odd hours',
  description:
    'Use of a key at an hour of the week that is rare for it, in its local time (hour-of-week profile with smoothing and decay), or outside its declared business hours.',
  configSchema: oddHoursConfigSchema,
  prepare(config: OddHoursConfig): OddHoursPrepared {
    localTime ??= createLocalTimeResolver();
    return prepareOddHours(config, localTime);
  },
  initialState: emptyProfile,
  evaluate: evaluateOddHours,
  describeState: describeOddHoursState,
};

import type { LocalTimeResolver } from '../../src/events/local-time.js';
import type { OddHoursConfig } from './config.js';
import { HOURS_PER_WEEK } from './hour-of-week.js';
import type { AssessmentScratch } from './hour-rarity.js';
import { compileKernel, type SmoothingKernel } from './smoothing-kernel.js';

/** The validated config plus what is compiled from it once. */
export interface OddHoursPrepared extends OddHoursConfig {
  halfLifeHours: number;
  learningHours: number;
  kernel: SmoothingKernel;
  /** Shared resolver of local hour-of-week (DST-exact, cached per zone and UTC hour). */
  localTime: LocalTimeResolver;
  /**
   * Reusable buffers while one event is assessed (no allocation per event); not state: every
   * assessment overwrites them completely before reading them.
   */
  scratch: AssessmentScratch;
}

/** Compiles the config once: smoothing tables, durations in hours, a scratch buffer. */
export function prepareOddHours(config: OddHoursConfig, localTime: LocalTimeResolver): OddHoursPrepared {
  return {
    ...config,
    halfLifeHours: config.halfLifeDays * 24,
    learningHours: config.learningDays * 24,
    kernel: compileKernel(config),
    localTime,
    scratch: { weights: new Float64Array(HOURS_PER_WEEK), dayTotals: new Float64Array(7) },
  };
}

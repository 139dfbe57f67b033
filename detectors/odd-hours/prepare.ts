import type { LocalTimeResolver } from '../../src/events/local-time.js';
import type { OddHoursConfig } from './config.js';
import { createJudgementScratch, type JudgementScratch } from './hour-score.js';
import { compileKernel, type SmoothingKernel } from './smoothing-kernel.js';

/** The validated config plus what is compiled from it once. */
export interface OddHoursPrepared extends OddHoursConfig {
  halfLifeHours: number;
  learningHours: number;
  kernel: SmoothingKernel;
  /** Shared resolver of local hour-of-week (DST-exact, cached per zone and UTC hour). */
  localTime: LocalTimeResolver;
  /**
   * Reusable buffers while one event is judged (no allocation per event); not state: every
   * judgement overwrites what it reads.
   */
  scratch: JudgementScratch;
}

/** Compiles the config once: smoothing tables, durations in hours, scratch buffers. */
export function prepareOddHours(config: OddHoursConfig, localTime: LocalTimeResolver): OddHoursPrepared {
  return {
    ...config,
    halfLifeHours: config.halfLifeDays * 24,
    learningHours: config.learningDays * 24,
    kernel: compileKernel(config),
    localTime,
    scratch: createJudgementScratch(),
  };
}

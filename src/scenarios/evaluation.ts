import { replayEvents } from '../engine/replay.js';
import { runBaselineRules } from './baseline-rules.js';
import { type GenerateOptions, generateScenario } from './generate.js';
import { createPageRecorder, median, type ScoreReport, scoreAlerts } from './metrics.js';

/** What Keywatch must reach on the scenarios (pooled over the evaluated seeds). */
export const THRESHOLDS = {
  recallMediumPlus: 0.9,
  falsePagesPer1000KeyDays: 2,
  /** Per incident, counting every alert of the key that overlaps it, any severity. */
  alertsPerIncidentMax: 3,
  medianTimeToDetectSec: 120,
} as const;

/** One seed: the scenario's size, the time it took, and both rule sets' scores. */
export interface SeedEvaluation {
  seed: number;
  events: number;
  keys: number;
  generateSec: number;
  replaySec: number;
  engine: ScoreReport;
  baseline: ScoreReport;
}

/** A threshold check, as printed and as asserted by the evaluation test. */
export interface ThresholdCheck {
  metric: keyof typeof THRESHOLDS;
  value: number | null;
  target: string;
  pass: boolean;
}

/**
 * Generates the scenario of `seed`, replays it through the engine (event time only: the wall-clock
 * future check is pinned past the scenario), runs the naive baseline over the same events, and
 * scores both.
 *
 * @example const result = await evaluateSeed(1); result.engine.recallMediumPlus;
 */
export async function evaluateSeed(
  seed: number,
  generate: Partial<GenerateOptions> = {},
): Promise<SeedEvaluation> {
  const generateStarted = performance.now();
  const scenario = generateScenario({ ...generate, seed });
  const generateSec = (performance.now() - generateStarted) / 1000;
  const recorder = createPageRecorder();
  const replayStarted = performance.now();
  const { alerts } = await replayEvents(scenario.events, {
    onChange: recorder.onChange,
    referenceTime: () => scenario.end + 86_400_000,
  });
  const replaySec = (performance.now() - replayStarted) / 1000;
  const baseline = runBaselineRules(scenario.events);
  return {
    seed,
    events: scenario.events.length,
    keys: scenario.keys.length,
    generateSec,
    replaySec,
    engine: scoreAlerts(scenario, alerts, recorder.changes),
    baseline: scoreAlerts(scenario, baseline.alerts, baseline.changes),
  };
}

/** Scores of several seeds as one: every incident, page and key-day counted once. */
export function poolReports(reports: readonly ScoreReport[]): ScoreReport {
  const perIncident = reports.flatMap((report) => report.perIncident);
  const detectTimes = perIncident.flatMap((outcome) =>
    outcome.timeToDetectSec === null ? [] : [outcome.timeToDetectSec],
  );
  const detected = perIncident.filter((outcome) => outcome.detected).length;
  const falsePages = sum(reports.map((report) => report.falsePages));
  const keyDays = sum(reports.map((report) => report.keyDays));
  const alertCounts = perIncident.map((outcome) => outcome.alerts);
  return {
    recallMediumPlus: perIncident.length > 0 ? detected / perIncident.length : 1,
    incidents: perIncident.length,
    detected,
    pages: sum(reports.map((report) => report.pages)),
    falsePages,
    keyDays,
    falsePagesPer1000KeyDays: keyDays > 0 ? (falsePages / keyDays) * 1000 : 0,
    alertsPerIncident: {
      mean: alertCounts.length > 0 ? sum(alertCounts) / alertCounts.length : 0,
      max: alertCounts.length > 0 ? Math.max(...alertCounts) : 0,
    },
    medianTimeToDetectSec: median(detectTimes),
    perIncident,
    benignOutcomes: reports.flatMap((report) => report.benignOutcomes),
  };
}

/** Checks a (pooled) score against THRESHOLDS. A median time with no detection fails. */
export function checkThresholds(score: ScoreReport): ThresholdCheck[] {
  const ttd = score.medianTimeToDetectSec;
  return [
    {
      metric: 'recallMediumPlus',
      value: score.recallMediumPlus,
      target: `≥ ${THRESHOLDS.recallMediumPlus}`,
      pass: score.recallMediumPlus >= THRESHOLDS.recallMediumPlus,
    },
    {
      metric: 'falsePagesPer1000KeyDays',
      value: score.falsePagesPer1000KeyDays,
      target: `≤ ${THRESHOLDS.falsePagesPer1000KeyDays}`,
      pass: score.falsePagesPer1000KeyDays <= THRESHOLDS.falsePagesPer1000KeyDays,
    },
    {
      metric: 'alertsPerIncidentMax',
      value: score.alertsPerIncident.max,
      target: `≤ ${THRESHOLDS.alertsPerIncidentMax}`,
      pass: score.alertsPerIncident.max <= THRESHOLDS.alertsPerIncidentMax,
    },
    {
      metric: 'medianTimeToDetectSec',
      value: ttd,
      target: `≤ ${THRESHOLDS.medianTimeToDetectSec} s`,
      pass: ttd !== null && ttd <= THRESHOLDS.medianTimeToDetectSec,
    },
  ];
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

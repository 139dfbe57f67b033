import { beforeAll, describe, expect, it } from 'vitest';
import { evaluateSeed, poolReports, THRESHOLDS } from '../../src/scenarios/evaluation.js';
import type { ScoreReport } from '../../src/scenarios/metrics.js';

// The end-to-end evaluation: seeds 1–3 through the real engine, pooled, against the product targets.
describe('Keywatch on the labelled scenarios of seeds 1, 2 and 3', () => {
  let score: ScoreReport;

  beforeAll(async () => {
    const evaluations = [];
    for (const seed of [1, 2, 3]) evaluations.push(await evaluateSeed(seed));
    score = poolReports(evaluations.map((evaluation) => evaluation.engine));
  }, 600_000);

  it('detects at least 90 % of the incidents at medium severity or above', () => {
    const missed = score.perIncident.filter((outcome) => !outcome.detected).map((outcome) => outcome.id);
    expect(score.recallMediumPlus, `missed: ${missed.join(', ')}`).toBeGreaterThanOrEqual(
      THRESHOLDS.recallMediumPlus,
    );
  });

  it('pages falsely at most twice per 1,000 key-days', () => {
    expect(score.falsePagesPer1000KeyDays).toBeLessThanOrEqual(THRESHOLDS.falsePagesPer1000KeyDays);
  });

  it('raises at most three alerts for any one incident', () => {
    expect(score.alertsPerIncident.max).toBeLessThanOrEqual(THRESHOLDS.alertsPerIncidentMax);
  });

  it('pages within two minutes of an incident’s start (median)', () => {
    expect(score.medianTimeToDetectSec).not.toBeNull();
    expect(score.medianTimeToDetectSec as number).toBeLessThanOrEqual(THRESHOLDS.medianTimeToDetectSec);
  });
});

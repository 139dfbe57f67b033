import { beforeAll, describe, expect, it } from 'vitest';
import { evaluateSeed, poolReports, THRESHOLDS } from '../../src/scenarios/evaluation.js';
import type { ScoreReport } from '../../src/scenarios/metrics.js';

// The end-to-end evaluation: seeds 1–3 through the real engine against the product targets, each seed
// on its own and pooled.
describe('Keywatch on the labelled scenarios of seeds 1, 2 and 3', () => {
  const seeds = [1, 2, 3];
  let reports: Array<{ name: string; score: ScoreReport }> = [];

  beforeAll(async () => {
    const perSeed = [];
    for (const seed of seeds)
      perSeed.push({ name: `seed ${seed}`, score: (await evaluateSeed(seed)).engine });
    reports = [...perSeed, { name: 'pooled', score: poolReports(perSeed.map((report) => report.score)) }];
  }, 600_000);

  it('detects at least 90 % of the incidents at medium severity or above', () => {
    for (const { name, score } of reports) {
      const missed = score.perIncident.filter((outcome) => !outcome.detected).map((outcome) => outcome.id);
      expect(score.recallMediumPlus, `${name} missed: ${missed.join(', ')}`).toBeGreaterThanOrEqual(
        THRESHOLDS.recallMediumPlus,
      );
    }
  });

  it('pages falsely at most twice per 1,000 key-days', () => {
    for (const { name, score } of reports)
      expect(score.falsePagesPer1000KeyDays, name).toBeLessThanOrEqual(THRESHOLDS.falsePagesPer1000KeyDays);
  });

  it('raises at most three alerts for any one incident', () => {
    for (const { name, score } of reports)
      expect(score.alertsPerIncident.max, name).toBeLessThanOrEqual(THRESHOLDS.alertsPerIncidentMax);
  });

  it('pages within two minutes of an incident’s start (median)', () => {
    for (const { name, score } of reports) {
      expect(score.medianTimeToDetectSec, name).not.toBeNull();
      expect(score.medianTimeToDetectSec as number, name).toBeLessThanOrEqual(
        THRESHOLDS.medianTimeToDetectSec,
      );
    }
  });
});

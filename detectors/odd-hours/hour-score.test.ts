import Value from 'typebox/value';
import { describe, expect, it } from 'vitest';
import type { DetectorContext } from '../types.js';
import { HOURS_PER_WEEK } from './hour-of-week.js';
import { judgeHour } from './hour-score.js';
import { type OddHoursConfig, oddHours } from './index.js';
import { emptyProfile } from './profile.js';
import { countActiveHour } from './profile-totals.js';

/** Epoch hour 500 016 is a Sunday 00:00 UTC. */
const SUNDAY = 500_016;

function prepare(overrides: Partial<OddHoursConfig>) {
  return oddHours.prepare!({ ...(Value.Default(oddHours.configSchema, {}) as OddHoursConfig), ...overrides });
}

describe('judging an hour', () => {
  it('skips the assessment only where no rarity could reach minScore, and otherwise scores the same', () => {
    const skipping = prepare({ minScore: 0.2 });
    const assessing = prepare({ minScore: 0 });
    // Six weeks of an office key (Mon–Fri 08–18 UTC), then every hour of the next week judged as if
    // the key had been observed for 0 … 21 days: the rare hours score close to the bound.
    const state = emptyProfile();
    for (let hour = SUNDAY; hour < SUNDAY + 6 * HOURS_PER_WEEK; hour += 1) {
      const cell = (hour - SUNDAY) % HOURS_PER_WEEK;
      const day = Math.floor(cell / 24);
      if (day >= 1 && day <= 5 && cell % 24 >= 8 && cell % 24 < 18) {
        countActiveHour(state, cell, hour, skipping.halfLifeHours, skipping.kernel);
      }
    }
    const policies: DetectorContext['policy'][] = [
      { allowCidrs: [], allowCountries: [] },
      {
        allowCidrs: [],
        allowCountries: [],
        businessHours: { days: [1, 2, 3, 4, 5], startHour: 9, endHour: 17 },
      },
    ];
    let skipped = 0;
    let assessed = 0;
    for (const policy of policies) {
      const ctx: DetectorContext = { policy, keyEvents: 0, keyFirstSeen: 0, timezone: 'UTC' };
      for (let observed = 0; observed <= 21 * 24; observed += 3) {
        const hour = SUNDAY + 6 * HOURS_PER_WEEK + (observed % HOURS_PER_WEEK);
        state.first = hour - observed;
        const cell = (hour - SUNDAY) % HOURS_PER_WEEK;
        const reference = judgeHour(state, cell, hour, assessing, ctx, false);
        const expected = { score: reference.score, rarity: { ...reference.rarity } };
        const judgement = judgeHour(state, cell, hour, skipping, ctx, false);
        if (judgement.assessed) {
          assessed += 1;
          expect({ score: judgement.score, rarity: judgement.rarity }).toEqual(expected);
        } else {
          skipped += 1;
          expect(expected.score).toBeLessThanOrEqual(judgement.score);
          expect(judgement.score).toBeLessThan(0.2);
        }
      }
    }
    expect(skipped).toBeGreaterThan(20);
    expect(assessed).toBeGreaterThan(20);
  });
});

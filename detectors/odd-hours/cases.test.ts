import { describe, expect, it } from 'vitest';
import { runCase } from '../cases-runner.js';
import { oddHoursCases } from './cases.js';
import { oddHours } from './index.js';

describe('odd-hours cases', () => {
  it('covers at least eight named situations, both firing and quiet', () => {
    expect(oddHoursCases.length).toBeGreaterThanOrEqual(8);
    expect(oddHoursCases.filter((testCase) => testCase.expect === 'fire').length).toBeGreaterThanOrEqual(4);
    expect(oddHoursCases.filter((testCase) => testCase.expect === 'quiet').length).toBeGreaterThanOrEqual(4);
    expect(new Set(oddHoursCases.map((testCase) => testCase.name)).size).toBe(oddHoursCases.length);
  });

  it.each(oddHoursCases.map((testCase) => [testCase.name, testCase] as const))('%s', (_name, testCase) => {
    const outcome = runCase(oddHours, testCase);
    expect(outcome.problem).toBeUndefined();
  });

  it.each(oddHoursCases.map((testCase) => [testCase.name, testCase] as const))(
    '%s — with the state restored from JSON after every event, every finding is the same',
    (_name, testCase) => {
      const direct = runCase(oddHours, testCase);
      const restored = runCase(oddHours, testCase, { roundTripState: true });
      expect(restored.problem).toBeUndefined();
      expect(restored.findings).toEqual(direct.findings);
    },
  );
});

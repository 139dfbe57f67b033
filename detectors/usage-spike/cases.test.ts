import { describe, expect, it } from 'vitest';
import { runCase } from '../cases-runner.js';
import { usageSpikeCases } from './cases.js';
import { usageSpike } from './index.js';

const LEARNING_MS = 2 * 24 * 60 * 60_000;

describe('usage-spike cases', () => {
  it('covers at least eight named situations, firing and quiet', () => {
    expect(usageSpikeCases.length).toBeGreaterThanOrEqual(8);
    expect(usageSpikeCases.filter((testCase) => testCase.expect === 'fire').length).toBeGreaterThanOrEqual(4);
    expect(usageSpikeCases.filter((testCase) => testCase.expect === 'quiet').length).toBeGreaterThanOrEqual(
      4,
    );
    expect(new Set(usageSpikeCases.map((testCase) => testCase.name)).size).toBe(usageSpikeCases.length);
  });

  it.each(usageSpikeCases.map((testCase) => [testCase.name, testCase] as const))('%s', (_name, testCase) => {
    const outcome = runCase(usageSpike, testCase);
    expect(outcome.problem).toBeUndefined();
  });

  it.each(usageSpikeCases.map((testCase) => [testCase.name, testCase] as const))(
    '%s — with the state restored from JSON after every event, every finding is the same',
    (_name, testCase) => {
      const direct = runCase(usageSpike, testCase);
      const restored = runCase(usageSpike, testCase, { roundTripState: true });
      expect(restored.problem).toBeUndefined();
      expect(restored.findings).toEqual(direct.findings);
    },
  );

  it.each(
    usageSpikeCases
      .filter((testCase) => testCase.expect === 'quiet')
      .map((testCase) => [testCase.name, testCase] as const),
  )('%s — no event after learning reaches medium (0.5)', (_name, testCase) => {
    const outcome = runCase(usageSpike, testCase);
    const firstTs = Number(testCase.events[0]!.ts);
    const settledScores = outcome.findings
      .map((finding, index) =>
        Number(testCase.events[index]!.ts) - firstTs >= LEARNING_MS ? finding?.score : 0,
      )
      .filter((score): score is number => score !== undefined);
    expect(Math.max(0, ...settledScores)).toBeLessThan(0.5);
  });
});

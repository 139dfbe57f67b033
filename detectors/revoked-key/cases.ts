import type { DetectorCase } from '../cases-runner.js';

/** Must-fire and must-stay-quiet sequences of `revoked-key` (expectation on the last event). */
export const revokedKeyCases: DetectorCase[] = [
  {
    name: 'fires with score 1 on any use of a revoked key',
    expect: 'fire',
    minScore: 1,
    policy: { revoked: true },
    events: [{ ts: '2026-11-03T09:00:00Z', ip: '81.2.69.160' }],
  },
  {
    name: 'stays quiet for a key in good standing, however unusual the use',
    expect: 'quiet',
    events: [
      { ts: '2026-11-03T09:00:00Z', ip: '81.2.69.160' },
      { ts: '2026-11-03T03:00:00Z', ip: '200.160.2.3' },
    ],
  },
];

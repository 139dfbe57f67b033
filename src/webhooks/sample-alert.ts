import type { Alert } from '../engine/types.js';

/**
 * The alert sent by `POST /v1/webhooks/:id/test`: shaped like a real one (contract 3) so a receiver
 * can exercise its parsing, and marked as a sample in its id, title and evidence.
 */
export function sampleAlert(now: Date): Alert {
  const ts = new Date(now.getTime() - 10 * 60_000).toISOString();
  return {
    id: 'kw_000000000000000000000000',
    keyId: 'sample-key',
    orgId: 'sample-org',
    detector: 'unfamiliar-ip',
    detectors: ['unfamiliar-ip', 'odd-hours'],
    severity: 'high',
    score: 0.82,
    ts,
    lastSeen: now.toISOString(),
    count: 3,
    status: 'open',
    title: 'Sample: key used from an unfamiliar network at an unusual hour',
    summary:
      'This is a test delivery from Keywatch: sample-key was used from 203.0.113.0/24, never seen in 30 days, at 03:10 local time.',
    evidence: {
      'unfamiliar-ip': { sample: true, network: '203.0.113.0/24', baseline: { '198.51.100.0/24': 412 } },
      'odd-hours': { sample: true, localHour: 3, baseline: { businessHours: '08-18' } },
    },
    ips: ['203.0.113.7'],
  };
}

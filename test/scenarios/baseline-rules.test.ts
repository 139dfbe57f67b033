import { describe, expect, it } from 'vitest';
import { runBaselineRules } from '../../src/scenarios/baseline-rules.js';
import type { CanonicalEvent } from '../../src/scenarios/types.js';

const MONDAY = Date.parse('2026-10-05T09:00:00.000Z');
const DAY = 86_400_000;
const MIN = 60_000;

function call(time: number, ip = '198.51.100.10', keyId = 'K'): CanonicalEvent {
  return {
    ts: new Date(time).toISOString(),
    keyId,
    orgId: 'org',
    ip,
    method: 'GET',
    path: '/v1/messages',
    status: 200,
    bytesOut: 1000,
    bytesIn: 0,
    userAgent: 'bot/1.0',
    requestId: `${keyId}-${time}-${ip}`,
  };
}

/** One call every 10 minutes around the clock for `days` days: every hour-of-week becomes known. */
function steadyWeeks(days: number, keyId = 'K'): CanonicalEvent[] {
  const events: CanonicalEvent[] = [];
  for (let time = MONDAY; time < MONDAY + days * DAY; time += 10 * MIN)
    events.push(call(time, '198.51.100.10', keyId));
  return events;
}

describe('runBaselineRules', () => {
  it('stays silent while a key is in its first week', () => {
    const events = [call(MONDAY), call(MONDAY + DAY, '203.0.113.9'), call(MONDAY + 2 * DAY, '203.0.113.10')];
    expect(runBaselineRules(events).alerts).toHaveLength(0);
  });

  it('pages at medium on a new IP after the first week', () => {
    const events = [...steadyWeeks(8), call(MONDAY + 8 * DAY + MIN, '203.0.113.9')];
    const { alerts, changes } = runBaselineRules(events);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      keyId: 'K',
      severity: 'medium',
      detectors: ['baseline-new-ip'],
      ips: ['203.0.113.9'],
    });
    expect(changes).toHaveLength(1);
    expect(changes[0]?.alert.severity).toBe('medium');
  });

  it('groups hits of one key within 30 minutes into one alert and starts another after a longer gap', () => {
    const start = MONDAY + 8 * DAY;
    const events = [
      ...steadyWeeks(8),
      call(start + MIN, '203.0.113.1'),
      call(start + 20 * MIN, '203.0.113.2'),
      call(start + 45 * MIN, '203.0.113.3'),
      call(start + 120 * MIN, '203.0.113.4'),
    ];
    const { alerts } = runBaselineRules(events);
    expect(alerts.map((alert) => alert.ips)).toEqual([
      ['203.0.113.1', '203.0.113.2', '203.0.113.3'],
      ['203.0.113.4'],
    ]);
    expect(alerts[0]?.count).toBe(3);
    expect(alerts[0]?.lastSeen).toBe(new Date(start + 45 * MIN).toISOString());
  });

  it('pages on an hour of the week (UTC) the key was never used in', () => {
    // Weekday office hours only for two weeks, then a Saturday 03:00 UTC call from the usual IP.
    const events: CanonicalEvent[] = [];
    for (let day = 0; day < 12; day++) {
      if (day % 7 >= 5) continue;
      for (let hour = 0; hour < 8; hour++) events.push(call(MONDAY + day * DAY + hour * 3_600_000));
    }
    const saturdayNight = Date.parse('2026-10-17T03:00:00.000Z');
    const { alerts } = runBaselineRules([...events, call(saturdayNight)]);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.detectors).toEqual(['baseline-new-hour']);
  });

  it('pages on a minute with five times the running mean rate, once per minute', () => {
    const spikeAt = MONDAY + 8 * DAY + 5 * MIN;
    const burst = Array.from({ length: 30 }, (_, i) => call(spikeAt + i * 1000));
    const { alerts } = runBaselineRules([...steadyWeeks(8), ...burst]);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.detectors).toEqual(['baseline-rate-spike']);
    expect(alerts[0]?.count).toBe(1);
  });

  it('keeps keys apart', () => {
    const events = [...steadyWeeks(8, 'A'), call(MONDAY + 8 * DAY + MIN, '203.0.113.9', 'B')];
    expect(runBaselineRules(events).alerts).toHaveLength(0);
  });
});

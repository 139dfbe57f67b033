import { describe, expect, it } from 'vitest';
import type { Alert, AlertChange, Severity } from '../../src/engine/types.js';
import {
  countKeyDays,
  createPageRecorder,
  firstPageTimes,
  type ScoredScenario,
  scoreAlerts,
} from '../../src/scenarios/metrics.js';
import type { CanonicalEvent, LabelledWindow } from '../../src/scenarios/types.js';

const T0 = Date.parse('2026-10-20T10:00:00.000Z');
const MIN = 60_000;
const iso = (time: number) => new Date(time).toISOString();

function event(keyId: string, time: number): CanonicalEvent {
  return {
    ts: iso(time),
    keyId,
    orgId: 'org',
    ip: '203.0.113.7',
    method: 'GET',
    path: '/v1/rooms',
    status: 200,
    bytesOut: 100,
    bytesIn: 0,
    userAgent: 'test',
    requestId: `${keyId}-${time}`,
  };
}

function alert(
  id: string,
  keyId: string,
  from: number,
  to: number,
  severity: Severity,
  detectors = ['unfamiliar-ip'],
): Alert {
  return {
    id,
    keyId,
    detector: detectors[0] as string,
    detectors,
    severity,
    score: 0.5,
    ts: iso(from),
    lastSeen: iso(to),
    count: 1,
    status: 'open',
    title: id,
    summary: id,
    evidence: {},
    ips: [],
  };
}

function change(
  target: Alert,
  at: number,
  severity: Severity,
  kind: AlertChange['kind'] = 'updated',
): AlertChange {
  return {
    kind,
    alert: { ...target, severity, lastSeen: iso(at) },
    severityRaised: true,
    detectorJoined: false,
    entry: {
      ts: iso(at),
      detector: target.detector,
      score: 0.5,
      risk: 0.5,
      subject: 's',
      title: 't',
      explanation: 'e',
      ip: '203.0.113.7',
    },
  };
}

function window(
  id: string,
  keyId: string,
  start: number,
  end: number,
  kind: LabelledWindow['kind'] = 'recon-new-country',
): LabelledWindow {
  return { id, kind, keyId, start, end, description: id };
}

/** Two keys active for two days each (4 key-days), one incident on key A. */
function tinyScenario(incidents: LabelledWindow[], benign: LabelledWindow[] = []): ScoredScenario {
  return {
    events: [
      event('A', T0),
      event('A', T0 + 5 * MIN),
      event('A', T0 + 86_400_000),
      event('B', T0),
      event('B', T0 + 86_400_000),
    ],
    incidents,
    benign,
  };
}

describe('scoreAlerts', () => {
  it('detects an incident when an overlapping alert of its key reaches medium, timed from the incident start', () => {
    const incident = window('i1', 'A', T0, T0 + 20 * MIN);
    const paging = alert('a1', 'A', T0 + MIN, T0 + 15 * MIN, 'high');
    const changes = [
      change(paging, T0 + MIN, 'low', 'opened'),
      change(paging, T0 + 3 * MIN, 'medium'),
      change(paging, T0 + 4 * MIN, 'high'),
    ];
    const report = scoreAlerts(tinyScenario([incident]), [paging], changes);
    expect(report.recallMediumPlus).toBe(1);
    expect(report.detected).toBe(1);
    expect(report.perIncident[0]?.timeToDetectSec).toBe(180);
    expect(report.perIncident[0]?.maxSeverity).toBe('high');
    expect(report.medianTimeToDetectSec).toBe(180);
    expect(report.falsePages).toBe(0);
  });

  it('misses an incident whose only alert stays low but still counts that alert per incident', () => {
    const incident = window('i1', 'A', T0, T0 + 20 * MIN);
    const quiet = alert('a1', 'A', T0 + MIN, T0 + 2 * MIN, 'low');
    const report = scoreAlerts(tinyScenario([incident]), [quiet], [change(quiet, T0 + MIN, 'low', 'opened')]);
    expect(report.recallMediumPlus).toBe(0);
    expect(report.perIncident[0]?.detected).toBe(false);
    expect(report.perIncident[0]?.timeToDetectSec).toBeNull();
    expect(report.alertsPerIncident).toEqual({ mean: 1, max: 1 });
    expect(report.medianTimeToDetectSec).toBeNull();
    expect(report.pages).toBe(0);
  });

  it('counts an alert starting within 10 minutes after the incident as overlapping it, and not one starting later', () => {
    const incident = window('i1', 'A', T0, T0 + 20 * MIN);
    const late = alert('late', 'A', T0 + 29 * MIN, T0 + 31 * MIN, 'medium');
    const tooLate = alert('too-late', 'A', T0 + 31 * MIN, T0 + 32 * MIN, 'medium');
    const report = scoreAlerts(tinyScenario([incident]), [late, tooLate], []);
    expect(report.perIncident[0]?.alertIds).toEqual(['late']);
    expect(report.perIncident[0]?.timeToDetectSec).toBe(29 * 60);
    expect(report.falsePages).toBe(1);
  });

  it('ignores alerts of other keys when judging an incident and calls them false pages', () => {
    const incident = window('i1', 'A', T0, T0 + 20 * MIN);
    const other = alert('b1', 'B', T0, T0 + 10 * MIN, 'critical');
    const report = scoreAlerts(tinyScenario([incident]), [other], []);
    expect(report.detected).toBe(0);
    expect(report.perIncident[0]?.alerts).toBe(0);
    expect(report.falsePages).toBe(1);
    expect(report.keyDays).toBe(4);
    expect(report.falsePagesPer1000KeyDays).toBe(250);
  });

  it('treats an alert that was medium only for a while as a page', () => {
    const fading = alert('b1', 'B', T0, T0 + 10 * MIN, 'low');
    const report = scoreAlerts(tinyScenario([]), [fading], [change(fading, T0 + 2 * MIN, 'medium')]);
    expect(report.pages).toBe(1);
    expect(report.falsePages).toBe(1);
  });

  it('reports pages during benign changes but not their low alerts', () => {
    const redeploy = window('b1', 'B', T0, T0 + 60 * MIN, 'redeploy-same-city');
    const page = alert('p', 'B', T0 + 5 * MIN, T0 + 6 * MIN, 'medium', ['unfamiliar-ip', 'usage-spike']);
    const note = alert('n', 'B', T0 + 7 * MIN, T0 + 8 * MIN, 'low');
    const report = scoreAlerts(tinyScenario([], [redeploy]), [page, note], []);
    expect(report.benignOutcomes).toEqual([
      {
        id: 'b1',
        kind: 'redeploy-same-city',
        keyId: 'B',
        pages: 1,
        detectors: ['unfamiliar-ip', 'usage-spike'],
        alertIds: ['p'],
      },
    ]);
  });

  it('takes the median detection time over detected incidents and the mean and max alerts per incident', () => {
    const incidents = [
      window('i1', 'A', T0, T0 + MIN),
      window('i2', 'A', T0 + 100 * MIN, T0 + 101 * MIN),
      window('i3', 'B', T0, T0 + MIN),
    ];
    const alerts = [
      alert('a1', 'A', T0 + 10_000, T0 + 20_000, 'medium'),
      alert('a2', 'A', T0 + 100 * MIN + 30_000, T0 + 100 * MIN + 40_000, 'medium'),
      alert('a3', 'A', T0 + 100 * MIN + 50_000, T0 + 100 * MIN + 60_000, 'low'),
      alert('a4', 'A', T0 + 100 * MIN + 70_000, T0 + 100 * MIN + 80_000, 'low'),
    ];
    const report = scoreAlerts(tinyScenario(incidents), alerts, []);
    expect(report.detected).toBe(2);
    expect(report.recallMediumPlus).toBeCloseTo(2 / 3);
    expect(report.medianTimeToDetectSec).toBe(20);
    expect(report.alertsPerIncident).toEqual({ mean: 4 / 3, max: 3 });
  });
});

describe('firstPageTimes', () => {
  it('keeps the earliest change at medium or above per alert', () => {
    const target = alert('a', 'A', T0, T0, 'high');
    const times = firstPageTimes([
      change(target, T0 + 5 * MIN, 'high'),
      change(target, T0 + 2 * MIN, 'medium'),
      change(target, T0, 'low'),
    ]);
    expect(times.get('a')).toBe(T0 + 2 * MIN);
  });
});

describe('createPageRecorder', () => {
  it('records only the first paging change of each alert, copied so later mutation cannot move it', () => {
    const recorder = createPageRecorder();
    const target = alert('a', 'A', T0, T0, 'low');
    const first = change(target, T0 + MIN, 'medium');
    recorder.onChange(change(target, T0, 'low', 'opened'));
    recorder.onChange(first);
    recorder.onChange(change(target, T0 + 2 * MIN, 'high'));
    first.alert.severity = 'low';
    expect(recorder.changes).toHaveLength(1);
    expect(recorder.changes[0]?.alert.severity).toBe('medium');
  });
});

describe('countKeyDays', () => {
  it('counts distinct UTC days per key', () => {
    expect(countKeyDays(tinyScenario([]).events)).toBe(4);
  });
});

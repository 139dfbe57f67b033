import Type from 'typebox';
import { describe, expect, it } from 'vitest';
import type { DetectorDefinition } from '../../detectors/types.js';
import { loadConfig } from '../../src/config/load.js';
import { Engine } from '../../src/engine/engine.js';
import { episodeId } from '../../src/engine/episode.js';
import { prepareDetectors } from '../../src/engine/registry.js';
import type { AlertChange } from '../../src/engine/types.js';
import type { EnrichedEvent } from '../../src/events/types.js';

/** A test detector that reports the score carried by the event's `status` field (status/1000). */
function scoreFromStatus(id: string, field: 'status' | 'bytesIn'): DetectorDefinition<{ seen: number }> {
  return {
    id,
    version: 1,
    title: id,
    description: `reports ${field}/1000 as its score`,
    configSchema: Type.Object({}),
    initialState: () => ({ seen: 0 }),
    evaluate(event, state) {
      state.seen++;
      const value = event[field];
      if (value === undefined || value === 0) return { state };
      return {
        state,
        finding: {
          detector: id,
          score: value / 1000,
          subject: `test:${id}`,
          title: `${id} fired`,
          explanation: `${id} saw ${value}.`,
          evidence: { value, seen: state.seen },
        },
      };
    },
  };
}

const throwing: DetectorDefinition<null> = {
  id: 'throws',
  version: 1,
  title: 'throws',
  description: 'always throws',
  configSchema: Type.Object({}),
  initialState: () => null,
  evaluate() {
    throw new Error('boom');
  },
};

const T0 = Date.parse('2026-11-03T09:00:00Z');

function event(minutes: number, a = 0, b = 0, keyId = 'k1'): EnrichedEvent {
  return {
    ts: T0 + minutes * 60_000,
    keyId,
    ip: '81.2.69.160',
    ipVersion: 4,
    ipNormalized: '81.2.69.160',
    network: '81.2.69.0/24',
    ipKind: 'public',
    geo: { country: 'GB', region: 'ENG', city: 'London', lat: 51.5, lon: -0.1, timezone: 'Europe/London' },
    status: a,
    bytesIn: b,
  };
}

function createEngine(extra: DetectorDefinition<never>[] = [], keyRetentionDays?: number) {
  const config = loadConfig(
    keyRetentionDays === undefined ? {} : { overrides: { engine: { keyRetentionDays } } },
  );
  const changes: AlertChange[] = [];
  const definitions = [scoreFromStatus('a', 'status'), scoreFromStatus('b', 'bytesIn'), ...extra];
  const engine = new Engine({
    config,
    detectors: prepareDetectors(definitions as never, {}),
    onChange: (change) => changes.push(structuredClone(change)),
    trackChanges: true,
  });
  return { engine, changes };
}

describe('Engine', () => {
  it('ranks two weak signals of one event above either alone', () => {
    const { engine, changes } = createEngine();
    engine.process(event(0, 400, 0, 'only-a'));
    engine.process(event(0, 0, 400, 'only-b'));
    engine.process(event(0, 400, 400, 'both'));
    const byKey = Object.fromEntries(changes.map((change) => [change.alert.keyId, change.alert]));
    expect(byKey['only-a']?.severity).toBe('low');
    expect(byKey['only-b']?.severity).toBe('low');
    expect(byKey.both?.severity).toBe('medium');
    expect(byKey.both?.score).toBeCloseTo(0.64, 3);
    expect(byKey.both?.detectors).toEqual(['a', 'b']);
  });

  it('combines findings of one key that are close in time, not those far apart', () => {
    const { engine, changes } = createEngine();
    engine.process(event(0, 400));
    engine.process(event(5, 0, 400));
    expect(changes.at(-1)?.alert.severity).toBe('medium');
    const far = createEngine();
    far.engine.process(event(0, 400));
    far.engine.process(event(60, 0, 400));
    expect(far.changes.at(-1)?.alert.severity).toBe('low');
  });

  it('does not open an episode for a finding below the open threshold', () => {
    const { engine, changes } = createEngine();
    engine.process(event(0, 100));
    expect(changes).toEqual([]);
  });

  it('groups findings into one episode, raises its severity and closes it after the quiet period', () => {
    const { engine, changes } = createEngine();
    engine.process(event(0, 400));
    engine.process(event(10, 950));
    engine.process(event(20, 100));
    expect(new Set(changes.map((change) => change.alert.id)).size).toBe(1);
    expect(changes[1]?.severityRaised).toBe(true);
    const alert = changes.at(-1)!.alert;
    expect(alert.severity).toBe('critical');
    expect(alert.count).toBe(3);
    expect(alert.id).toBe(episodeId('k1', T0));
    expect(alert.ts).toBe('2026-11-03T09:00:00.000Z');
    expect(alert.lastSeen).toBe('2026-11-03T09:20:00.000Z');
    engine.process(event(20 + 121, 0, 0, 'other-key'));
    const closed = changes.at(-1)!;
    expect(closed.kind).toBe('closed');
    expect(closed.alert.status).toBe('closed');
    expect(closed.alert.closedAt).toBe('2026-11-03T11:20:00.000Z');
    engine.process(event(200, 600));
    expect(changes.at(-1)?.kind).toBe('opened');
    expect(changes.at(-1)?.alert.id).not.toBe(alert.id);
  });

  it('closes a quiet episode when the key opens the next one, even if event time had already passed it', () => {
    // A lagging Kafka partition: other keys' events moved event time far ahead, then this key's
    // events arrive; no periodic check sees its first episode go quiet before the second opens.
    const { engine, changes } = createEngine();
    engine.process(event(600, 0, 0, 'other-key'));
    engine.process(event(0, 950));
    engine.process(event(300, 950));
    const first = changes.find((change) => change.kind === 'opened')!.alert;
    const closed = changes.filter((change) => change.kind === 'closed');
    expect(closed.map((change) => change.alert.id)).toEqual([first.id]);
    expect(closed[0]!.alert.closedAt).toBe('2026-11-03T11:00:00.000Z');
    expect(changes.at(-1)?.kind).toBe('opened');
    // The second episode is the one still open, and it closes in its turn.
    engine.advanceTo(T0 + 600 * 60_000);
    expect(changes.at(-1)?.kind).toBe('closed');
    expect(changes.at(-1)?.alert.id).not.toBe(first.id);
  });

  it('explains an alert with the evidence of the strongest finding of each detector', () => {
    const { engine, changes } = createEngine();
    engine.process(event(0, 300, 500));
    const alert = changes.at(-1)!.alert;
    expect(alert.detector).toBe('b');
    expect(alert.title).toBe('b fired');
    expect(alert.summary).toContain('b saw 500');
    expect(alert.summary).toContain('together with a fired');
    expect(alert.evidence).toMatchObject({
      risk: { contributions: { a: 0.3, b: 0.5 } },
      b: { baseline: { value: 500 } },
    });
  });

  it('keeps processing when a detector throws, and counts the error', () => {
    const { engine, changes } = createEngine([throwing as never]);
    engine.process(event(0, 800));
    expect(engine.counters.detectorErrors).toEqual({ throws: 1 });
    expect(changes.at(-1)?.alert.severity).toBe('high');
  });

  it('continues from a checkpoint exactly as an uninterrupted run would', () => {
    const events = [
      event(0, 0),
      event(1, 400),
      event(3, 0, 300),
      event(30, 0),
      event(200, 700),
      event(210, 50),
    ];
    const whole = createEngine();
    for (const item of events) whole.engine.process(item);

    const first = createEngine();
    for (const item of events.slice(0, 3)) first.engine.process(item);
    const snapshot = JSON.parse(JSON.stringify(first.engine.snapshotKey('k1')));
    const second = createEngine();
    expect(second.engine.restoreKey('k1', snapshot).resetDetectors).toEqual([]);
    for (const item of events.slice(3)) second.engine.process(item);

    const finalOf = (changes: AlertChange[]) => {
      const alerts = new Map(changes.map((change) => [change.alert.id, change.alert]));
      return [...alerts.values()];
    };
    const resumed = new Map(finalOf(first.changes).map((alert) => [alert.id, alert]));
    for (const alert of finalOf(second.changes)) resumed.set(alert.id, alert);
    expect([...resumed.values()]).toEqual(finalOf(whole.changes));
  });

  it('resets only the detector whose state version changed', () => {
    const { engine } = createEngine();
    engine.process(event(0, 0));
    const snapshot = engine.snapshotKey('k1')!;
    snapshot.detectors.a = [0, { seen: 99 }];
    const other = createEngine();
    expect(other.engine.restoreKey('k1', snapshot).resetDetectors).toEqual(['a']);
  });

  describe('key retention', () => {
    const DAY = 24 * 60;
    const stream = [
      event(0, 0, 0, 'k1'),
      event(1, 0, 0, 'k1'),
      event(0.5, 0, 0, 'k2'),
      // k1 comes back after 31 days: past a 30-day retention, so it starts afresh.
      event(31 * DAY, 0, 0, 'k1'),
      event(31 * DAY + 1, 400, 400, 'k1'),
      // Event time runs on with another key (k2 is never used again).
      event(50 * DAY, 0, 0, 'k3'),
    ];

    it('starts a key afresh when it is used again after the retention, and forgets keys nobody uses', () => {
      const { engine } = createEngine([], 30);
      for (const item of stream.slice(0, 3)) engine.process(item);
      expect(engine.snapshotKey('k1')?.events).toBe(2);
      engine.takeChanges();
      engine.process(stream[3]!);
      expect(engine.snapshotKey('k1')?.events).toBe(1);
      expect(engine.snapshotKey('k1')?.firstSeen).toBe(stream[3]!.ts);
      // k1 was forgotten and is back: it is written, not deleted.
      expect(engine.takeChanges()).toMatchObject({ keys: ['k1'], forgotten: [] });
      // k2's memory goes at a sweep once it is a week past the retention (30 + 7 days).
      engine.process(stream[4]!);
      expect(engine.key('k2')).toBeDefined();
      engine.process(stream[5]!);
      expect(engine.key('k2')).toBeUndefined();
      expect(engine.takeChanges().forgotten).toEqual(['k2']);
    });

    it('gives a returning key the same alerts whether a sweep dropped it before or not', () => {
      const back = 37.1 * DAY;
      const returning = [event(back, 400, 400, 'k1'), event(back + 2, 400, 0, 'k1')];
      const run = (otherKeyAt: number) => {
        const { engine, changes } = createEngine([], 30);
        engine.process(event(0, 0, 0, 'k1'));
        // Another key's event runs a sweep; sweeps then wait 6 hours of event time.
        engine.process(event(otherKeyAt, 0, 0, 'k3'));
        const dropped = engine.key('k1') === undefined;
        for (const item of returning) engine.process(item);
        return { dropped, alerts: changes.filter((c) => c.alert.keyId === 'k1').map((c) => c.alert) };
      };
      // At 36.9 days k1 is not a week past its retention yet: kept, and found stale when it returns.
      const lazy = run(36.9 * DAY);
      // At 37.05 days the sweep drops k1 before it returns.
      const swept = run(37.05 * DAY);
      expect([lazy.dropped, swept.dropped]).toEqual([false, true]);
      expect(lazy.alerts.length).toBeGreaterThan(0);
      expect(swept.alerts).toEqual(lazy.alerts);
    });

    it('keeps keys for 90 days by default', () => {
      expect(loadConfig().engine.keyRetentionDays).toBe(90);
      const { engine } = createEngine();
      engine.process(event(0, 0, 0, 'k1'));
      engine.process(event(89 * DAY, 0, 0, 'k1'));
      expect(engine.snapshotKey('k1')?.events).toBe(2);
    });
  });
});

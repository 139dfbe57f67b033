import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Alert, AlertStatus, Severity, TimelineEntry } from '../../src/engine/types.js';
import { TIMELINE_LIMIT } from '../../src/store/alert-write.js';
import { encodeAlertCursor } from '../../src/store/cursor.js';
import { MIGRATIONS } from '../../src/store/migrations/index.js';
import type { AlertQuery, KeyCheckpoint, Store, StoreBatch } from '../../src/store/types.js';
import { describeWebhookStoreContract } from './webhook-store-contract.js';

/** A store under test plus a way to look at its tables behind its back. */
export interface OpenedStore {
  store: Store;
  /** Runs a read-only SQL query on the store's database through a separate connection. */
  rawRows(sql: string): Promise<Record<string, unknown>[]>;
  /** Opens another store on the same database, as another process would (closed by the caller). */
  openAnother(): Promise<Store>;
}

const BASE_MS = Date.parse('2026-11-03T09:00:00.000Z');

/** An alert as the engine would produce it, `minute` minutes after the base time. */
export function makeAlert(id: string, minute: number, overrides: Partial<Alert> = {}): Alert {
  const ts = new Date(BASE_MS + minute * 60_000).toISOString();
  return {
    id,
    keyId: 'key-1',
    orgId: 'org-1',
    detector: 'unfamiliar-ip',
    detectors: ['unfamiliar-ip'],
    severity: 'medium',
    score: 0.5,
    ts,
    lastSeen: ts,
    count: 1,
    status: 'open',
    title: `Alert ${id}`,
    summary: 'A key was used from an unfamiliar network.',
    evidence: { 'unfamiliar-ip': { knownCountries: { US: 12 }, observed: 'BR' } },
    ips: ['203.0.113.7'],
    ...overrides,
  };
}

/** A timeline entry numbered `index`. */
export function makeEntry(index: number, detector = 'unfamiliar-ip'): TimelineEntry {
  return {
    ts: new Date(BASE_MS + index * 1000).toISOString(),
    detector,
    score: 0.5,
    risk: 0.5,
    subject: '203.0.113.7',
    title: `Finding ${index}`,
    explanation: `Entry number ${index}`,
    ip: '203.0.113.7',
  };
}

function batchOf(alerts: Alert[], keyStates: KeyCheckpoint[] = []): StoreBatch {
  return { alerts: alerts.map((alert) => ({ alert, newTimeline: [] })), keyStates };
}

async function listAll(
  store: Store,
  query: Omit<AlertQuery, 'limit' | 'cursor'>,
  pageSize = 3,
): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 1000; page++) {
    const result = await store.listAlerts({ ...query, limit: pageSize, cursor });
    ids.push(...result.items.map((alert) => alert.id));
    if (result.nextCursor === null) return ids;
    cursor = result.nextCursor;
  }
  throw new Error('pagination did not end');
}

/** Newest first by (ts, id), as the store must order them. */
function newestFirst(alerts: Alert[]): string[] {
  return [...alerts]
    .sort((left, right) =>
      left.ts === right.ts ? (left.id < right.id ? 1 : -1) : Date.parse(right.ts) - Date.parse(left.ts),
    )
    .map((alert) => alert.id);
}

async function expectKeywatchError(promise: Promise<unknown>, code: string): Promise<void> {
  await expect(promise).rejects.toMatchObject({ name: 'KeywatchError', code });
}

/**
 * The behaviour every Store implementation must show. `open` returns a new, migrated, empty store each
 * time; the suite closes it after each test.
 */
export function describeStoreContract(name: string, open: () => Promise<OpenedStore>): void {
  describe(`${name} store contract`, () => {
    let opened: OpenedStore[] = [];

    async function fresh(): Promise<OpenedStore> {
      const store = await open();
      opened.push(store);
      return store;
    }

    afterEach(async () => {
      for (const { store } of opened) await store.close();
      opened = [];
    });

    describe('migrations', () => {
      it('records each migration once and keeps the data when migrate runs again', async () => {
        const { store, rawRows } = await fresh();
        await store.commit(batchOf([makeAlert('a1', 0)]));
        await store.migrate();
        await store.migrate();
        expect(await store.countAlerts()).toBe(1);
        const versions = (await rawRows('SELECT version FROM schema_migrations ORDER BY version')).map(
          (row) => Number(row.version),
        );
        expect(versions).toEqual(MIGRATIONS.map((migration) => migration.version));
      });

      it('answers a ping', async () => {
        const { store } = await fresh();
        await expect(store.ping()).resolves.toBeUndefined();
      });
    });

    describe('alerts', () => {
      it('keeps one row with the latest body when the same alert is committed three times', async () => {
        const { store, rawRows } = await fresh();
        for (let count = 1; count <= 3; count++) {
          await store.commit(batchOf([makeAlert('a1', 0, { count, score: count / 10, severity: 'high' })]));
        }
        expect(await store.countAlerts()).toBe(1);
        expect((await rawRows("SELECT id FROM alerts WHERE id = 'a1'")).length).toBe(1);
        const stored = await store.getAlert('a1');
        expect(stored?.alert).toEqual(makeAlert('a1', 0, { count: 3, score: 0.3, severity: 'high' }));
      });

      it('returns the ts and lastSeen strings exactly as the engine produced them', async () => {
        const { store } = await fresh();
        const alert = makeAlert('a1', 0, {
          ts: '2026-11-03T09:10:12.000Z',
          lastSeen: '2026-11-03T09:59:00.123Z',
        });
        await store.commit(batchOf([alert]));
        expect((await store.getAlert('a1'))?.alert).toEqual(alert);
        expect((await store.listAlerts({ limit: 10 })).items).toEqual([alert]);
      });

      it('returns undefined for an alert that does not exist', async () => {
        const { store } = await fresh();
        expect(await store.getAlert('missing')).toBeUndefined();
        expect(
          await store.setAlertStatus('missing', {
            status: 'resolved',
            actor: 'ana',
            at: '2026-11-03T10:00:00.000Z',
          }),
        ).toBeUndefined();
      });

      it('keeps a human status when the engine upserts the alert again as open or closed', async () => {
        const { store, rawRows } = await fresh();
        await store.commit(batchOf([makeAlert('a1', 0)]));
        const updated = await store.setAlertStatus('a1', {
          status: 'acknowledged',
          note: 'looking into it',
          actor: 'ana',
          at: '2026-11-03T10:00:00.000Z',
        });
        expect(updated?.status).toBe('acknowledged');

        await store.commit(batchOf([makeAlert('a1', 0, { count: 2, status: 'open' })]));
        await store.commit(
          batchOf([makeAlert('a1', 0, { count: 3, status: 'closed', closedAt: '2026-11-03T11:00:00.000Z' })]),
        );

        const stored = await store.getAlert('a1');
        expect(stored?.alert).toEqual(
          makeAlert('a1', 0, { count: 3, status: 'acknowledged', closedAt: '2026-11-03T11:00:00.000Z' }),
        );
        expect(stored?.statusHistory).toEqual([
          { status: 'acknowledged', note: 'looking into it', actor: 'ana', at: '2026-11-03T10:00:00.000Z' },
        ]);
        const [row] = await rawRows("SELECT status, body FROM alerts WHERE id = 'a1'");
        expect(row?.status).toBe('acknowledged');
        const body = typeof row?.body === 'string' ? JSON.parse(row.body) : row?.body;
        expect(body.status).toBe('acknowledged');
        expect(
          (await store.listAlerts({ limit: 10, status: 'acknowledged' })).items.map((a) => a.id),
        ).toEqual(['a1']);
        expect((await store.listAlerts({ limit: 10, status: 'closed' })).items).toEqual([]);
      });

      it('applies the engine status again after a person reopens the alert', async () => {
        const { store } = await fresh();
        await store.commit(batchOf([makeAlert('a1', 0)]));
        await store.setAlertStatus('a1', {
          status: 'resolved',
          actor: 'ana',
          at: '2026-11-03T10:00:00.000Z',
        });
        await store.setAlertStatus('a1', { status: 'open', actor: 'bo', at: '2026-11-03T10:05:00.000Z' });
        await store.commit(batchOf([makeAlert('a1', 0, { status: 'closed' })]));
        const stored = await store.getAlert('a1');
        expect(stored?.alert.status).toBe('closed');
        expect(stored?.statusHistory.map((change) => [change.status, change.actor])).toEqual([
          ['resolved', 'ana'],
          ['open', 'bo'],
        ]);
      });

      it('appends timeline entries across commits in order', async () => {
        const { store } = await fresh();
        const alert = makeAlert('a1', 0);
        await store.commit({ alerts: [{ alert, newTimeline: [makeEntry(0), makeEntry(1)] }], keyStates: [] });
        await store.commit({ alerts: [{ alert, newTimeline: [] }], keyStates: [] });
        await store.commit({ alerts: [{ alert, newTimeline: [makeEntry(2, 'odd-hours')] }], keyStates: [] });
        expect((await store.getAlert('a1'))?.timeline).toEqual([
          makeEntry(0),
          makeEntry(1),
          makeEntry(2, 'odd-hours'),
        ]);
      });

      it(`keeps only the latest ${TIMELINE_LIMIT} timeline entries of an alert`, async () => {
        const { store, rawRows } = await fresh();
        const alert = makeAlert('a1', 0);
        const entries = Array.from({ length: 260 }, (_, index) => makeEntry(index));
        await store.commit({ alerts: [{ alert, newTimeline: entries.slice(0, 150) }], keyStates: [] });
        await store.commit({ alerts: [{ alert, newTimeline: entries.slice(150, 250) }], keyStates: [] });
        expect((await store.getAlert('a1'))?.timeline).toEqual(entries.slice(50, 250));
        await store.commit({ alerts: [{ alert, newTimeline: entries.slice(250) }], keyStates: [] });
        expect((await store.getAlert('a1'))?.timeline).toEqual(entries.slice(60, 260));
        const [row] = await rawRows("SELECT count(*) AS n FROM alert_timeline WHERE alert_id = 'a1'");
        expect(Number(row?.n)).toBe(TIMELINE_LIMIT);
      });

      it(`keeps the latest ${TIMELINE_LIMIT} entries when one write brings more`, async () => {
        const { store } = await fresh();
        const entries = Array.from({ length: 230 }, (_, index) => makeEntry(index));
        await store.commit({ alerts: [{ alert: makeAlert('a1', 0), newTimeline: entries }], keyStates: [] });
        expect((await store.getAlert('a1'))?.timeline).toEqual(entries.slice(30));
      });

      it('merges two writes of one alert in the same batch: latest body, both timelines in order', async () => {
        const { store } = await fresh();
        await store.commit({
          alerts: [
            { alert: makeAlert('a1', 0, { count: 1 }), newTimeline: [makeEntry(0)] },
            { alert: makeAlert('a2', 1), newTimeline: [] },
            {
              alert: makeAlert('a1', 0, { count: 2, detectors: ['unfamiliar-ip', 'odd-hours'] }),
              newTimeline: [makeEntry(1)],
            },
          ],
          keyStates: [],
        });
        expect(await store.countAlerts()).toBe(2);
        const stored = await store.getAlert('a1');
        expect(stored?.alert.count).toBe(2);
        expect(stored?.timeline).toEqual([makeEntry(0), makeEntry(1)]);
        expect((await store.listAlerts({ limit: 10, detector: 'odd-hours' })).items.map((a) => a.id)).toEqual(
          ['a1'],
        );
      });

      it('finds an alert by a detector that joined it in a later commit, and no longer by one that left', async () => {
        const { store } = await fresh();
        await store.commit(batchOf([makeAlert('a1', 0, { detectors: ['unfamiliar-ip'] })]));
        expect((await store.listAlerts({ limit: 10, detector: 'odd-hours' })).items).toEqual([]);
        await store.commit(batchOf([makeAlert('a1', 0, { detectors: ['unfamiliar-ip', 'odd-hours'] })]));
        expect((await store.listAlerts({ limit: 10, detector: 'odd-hours' })).items.map((a) => a.id)).toEqual(
          ['a1'],
        );
        await store.commit(batchOf([makeAlert('a1', 0, { detectors: ['odd-hours'] })]));
        expect((await store.listAlerts({ limit: 10, detector: 'unfamiliar-ip' })).items).toEqual([]);
      });

      it('filters by detector with the current status and severity after people and the engine change them', async () => {
        const { store } = await fresh();
        const ids = async (query: Omit<AlertQuery, 'limit'>) =>
          (await store.listAlerts({ ...query, limit: 10 })).items.map((alert) => alert.id);
        await store.commit(
          batchOf([makeAlert('a1', 0, { detectors: ['odd-hours'], detector: 'odd-hours' })]),
        );
        expect(await ids({ detector: 'odd-hours', status: 'open' })).toEqual(['a1']);

        await store.setAlertStatus('a1', {
          status: 'acknowledged',
          actor: 'ana',
          at: '2026-11-03T10:00:00.000Z',
        });
        expect(await ids({ detector: 'odd-hours', status: 'open' })).toEqual([]);
        expect(await ids({ detector: 'odd-hours', status: 'acknowledged' })).toEqual(['a1']);

        await store.commit(
          batchOf([
            makeAlert('a1', 0, { detectors: ['odd-hours'], detector: 'odd-hours', severity: 'critical' }),
          ]),
        );
        expect(await ids({ detector: 'odd-hours', severity: 'critical', status: 'acknowledged' })).toEqual([
          'a1',
        ]);

        await store.setAlertStatus('a1', { status: 'open', actor: 'ana', at: '2026-11-03T10:01:00.000Z' });
        await store.commit(
          batchOf([
            makeAlert('a1', 0, {
              detectors: ['odd-hours'],
              detector: 'odd-hours',
              severity: 'high',
              status: 'closed',
            }),
          ]),
        );
        expect(await ids({ detector: 'odd-hours', status: 'closed' })).toEqual(['a1']);
        expect(await ids({ detector: 'odd-hours', severity: 'critical' })).toEqual([]);
        expect(await ids({ detector: 'odd-hours', severity: 'high' })).toEqual(['a1']);
      });

      it('writes a batch of more than a thousand alerts', async () => {
        const { store } = await fresh();
        const alerts = Array.from({ length: 1203 }, (_, index) => makeAlert(`bulk-${index}`, index));
        await store.commit({
          alerts: alerts.map((alert) => ({ alert, newTimeline: [makeEntry(0)] })),
          keyStates: [],
        });
        expect(await store.countAlerts()).toBe(1203);
        expect((await store.getAlert('bulk-1202'))?.timeline).toEqual([makeEntry(0)]);
      });
    });

    describe('listing alerts', () => {
      const severities: Severity[] = ['low', 'medium', 'high', 'critical'];
      const statuses: AlertStatus[] = ['open', 'closed', 'open', 'acknowledged', 'open', 'false_positive'];
      const detectorSets = [
        ['unfamiliar-ip'],
        ['odd-hours'],
        ['unfamiliar-ip', 'odd-hours'],
        ['usage-spike', 'odd-hours'],
      ];
      // 30 alerts over 3 keys; some share a ts so that ties are ordered by id.
      const dataset = Array.from({ length: 30 }, (_, index) =>
        makeAlert(`alert-${String(index).padStart(2, '0')}`, Math.floor(index / 2) * 10, {
          keyId: `key-${index % 3}`,
          severity: severities[index % 4]!,
          detectors: detectorSets[index % 4]!,
          detector: detectorSets[index % 4]![0]!,
          status: statuses[index % 6]!,
        }),
      );

      async function seeded(): Promise<Store> {
        const { store } = await fresh();
        await store.commit(
          batchOf(dataset.filter((alert) => alert.status === 'open' || alert.status === 'closed')),
        );
        await store.commit(
          batchOf(dataset.filter((alert) => alert.status !== 'open' && alert.status !== 'closed')),
        );
        return store;
      }

      const rank = { low: 0, medium: 1, high: 2, critical: 3 };
      const cases: { name: string; query: Omit<AlertQuery, 'limit'>; expected: (alert: Alert) => boolean }[] =
        [
          { name: 'no filter', query: {}, expected: () => true },
          { name: 'keyId', query: { keyId: 'key-1' }, expected: (a) => a.keyId === 'key-1' },
          {
            name: 'minimum severity high',
            query: { severity: 'high' },
            expected: (a) => rank[a.severity] >= 2,
          },
          { name: 'minimum severity low', query: { severity: 'low' }, expected: () => true },
          {
            name: 'detector',
            query: { detector: 'odd-hours' },
            expected: (a) => a.detectors.includes('odd-hours'),
          },
          { name: 'unknown detector', query: { detector: 'nobody' }, expected: () => false },
          { name: 'status', query: { status: 'acknowledged' }, expected: (a) => a.status === 'acknowledged' },
          {
            name: 'since inclusive, until exclusive',
            query: { since: makeAlert('x', 30).ts, until: makeAlert('x', 100).ts },
            expected: (a) => a.ts >= makeAlert('x', 30).ts && a.ts < makeAlert('x', 100).ts,
          },
          {
            name: 'since in another offset notation',
            query: { since: '2026-11-03T12:00:00+02:00' },
            expected: (a) => Date.parse(a.ts) >= Date.parse('2026-11-03T10:00:00.000Z'),
          },
          {
            name: 'keyId and detector',
            query: { keyId: 'key-2', detector: 'odd-hours' },
            expected: (a) => a.keyId === 'key-2' && a.detectors.includes('odd-hours'),
          },
          {
            name: 'detector, status and severity',
            query: { detector: 'odd-hours', status: 'open', severity: 'medium' },
            expected: (a) =>
              a.detectors.includes('odd-hours') && a.status === 'open' && rank[a.severity] >= 1,
          },
          {
            name: 'status and time window',
            query: { status: 'open', since: makeAlert('x', 20).ts, until: makeAlert('x', 120).ts },
            expected: (a) =>
              a.status === 'open' && a.ts >= makeAlert('x', 20).ts && a.ts < makeAlert('x', 120).ts,
          },
          {
            name: 'detector and time window',
            query: { detector: 'unfamiliar-ip', since: makeAlert('x', 40).ts },
            expected: (a) => a.detectors.includes('unfamiliar-ip') && a.ts >= makeAlert('x', 40).ts,
          },
          {
            name: 'every filter',
            query: {
              keyId: 'key-0',
              severity: 'medium',
              detector: 'odd-hours',
              status: 'open',
              since: makeAlert('x', 0).ts,
              until: makeAlert('x', 150).ts,
            },
            expected: (a) =>
              a.keyId === 'key-0' &&
              rank[a.severity] >= 1 &&
              a.detectors.includes('odd-hours') &&
              a.status === 'open' &&
              a.ts < makeAlert('x', 150).ts,
          },
        ];

      it.each(cases)('filters by $name, newest first, across pages', async ({ query, expected }) => {
        const store = await seeded();
        const want = newestFirst(dataset.filter(expected));
        expect(await listAll(store, query, 4)).toEqual(want);
        expect(await listAll(store, query, 500)).toEqual(want);
      });

      it('pages stay stable while new alerts arrive between them', async () => {
        const store = await seeded();
        const first = await store.listAlerts({ limit: 7 });
        // Newer alerts, and one older than everything, arrive between pages.
        await store.commit(
          batchOf([makeAlert('new-1', 500), makeAlert('new-2', 600), makeAlert('old-1', -50)]),
        );
        const ids = first.items.map((alert) => alert.id);
        let cursor = first.nextCursor;
        while (cursor !== null) {
          const page = await store.listAlerts({ limit: 7, cursor });
          ids.push(...page.items.map((alert) => alert.id));
          cursor = page.nextCursor;
          await store.commit(batchOf([makeAlert(`new-${ids.length}`, 1000 + ids.length)]));
        }
        expect(ids).toEqual([...newestFirst(dataset), 'old-1']);
      });

      it('gives no cursor when the page holds the last alert', async () => {
        const store = await seeded();
        const page = await store.listAlerts({ limit: 30 });
        expect(page.items).toHaveLength(30);
        expect(page.nextCursor).toBeNull();
        expect((await store.listAlerts({ limit: 29 })).nextCursor).not.toBeNull();
      });

      it('rejects a malformed cursor with KW_ERR_BAD_REQUEST', async () => {
        const store = await seeded();
        const base64 = (value: string) => Buffer.from(value).toString('base64url');
        for (const cursor of [
          'not a cursor!',
          base64('{"v":1'),
          base64('{"v":2,"ts":"2026-11-03T09:00:00.000Z","id":"a"}'),
          base64('{"v":1,"ts":"yesterday","id":"a"}'),
          base64('{"v":1,"ts":"2026-11-03T09:00:00.000Z"}'),
          base64('[1,2]'),
        ]) {
          await expect(store.listAlerts({ limit: 10, cursor })).rejects.toMatchObject({
            code: 'KW_ERR_BAD_REQUEST',
            message: 'cursor is not valid',
          });
        }
        const valid = encodeAlertCursor({ ts: dataset[5]!.ts, id: dataset[5]!.id });
        expect((await store.listAlerts({ limit: 1, cursor: valid })).items).toHaveLength(1);
      });

      it('rejects a limit outside 1–500 and an invalid time with KW_ERR_BAD_REQUEST', async () => {
        const { store } = await fresh();
        await expectKeywatchError(store.listAlerts({ limit: 0 }), 'KW_ERR_BAD_REQUEST');
        await expectKeywatchError(store.listAlerts({ limit: 501 }), 'KW_ERR_BAD_REQUEST');
        await expectKeywatchError(
          store.listAlerts({ limit: 10, since: 'last tuesday' }),
          'KW_ERR_BAD_REQUEST',
        );
      });
    });

    describe('key, org and offset checkpoints', () => {
      const checkpoint = (
        keyId: string,
        partition?: number,
        state: unknown = { seen: [keyId] },
      ): KeyCheckpoint => ({
        keyId,
        version: 'v1',
        state,
        lastSeen: BASE_MS + keyId.length,
        ...(partition === undefined ? {} : { partition }),
        ...(keyId.endsWith('o') ? { orgId: 'org-9' } : {}),
      });

      it('round-trips key states and loads those of chosen partitions', async () => {
        const { store } = await fresh();
        const states = [
          checkpoint('k-a', 0),
          checkpoint('k-b', 1, { nested: { hours: [0, 1, 2.5], text: 'é ✓' }, empty: null }),
          checkpoint('k-co', 2),
          checkpoint('k-d', undefined, null),
        ];
        await store.commit({ alerts: [], keyStates: states });
        const byId = (list: KeyCheckpoint[]) => [...list].sort((l, r) => (l.keyId < r.keyId ? -1 : 1));
        expect(byId(await store.loadKeyStates())).toEqual(states);
        expect(byId(await store.loadKeyStates({ partitions: [1, 2] }))).toEqual([states[1], states[2]]);
        expect(await store.loadKeyStates({ partitions: [] })).toEqual([]);
        expect(await store.getKeyState('k-b')).toEqual(states[1]);
        expect(await store.getKeyState('nope')).toBeUndefined();
      });

      it('replaces a key state, keeping the last one when a batch holds the key twice', async () => {
        const { store } = await fresh();
        await store.commit({ alerts: [], keyStates: [checkpoint('k-a', 0, { n: 1 })] });
        await store.commit({
          alerts: [],
          keyStates: [checkpoint('k-a', 3, { n: 2 }), checkpoint('k-a', 4, { n: 3 })],
        });
        expect(await store.loadKeyStates()).toEqual([checkpoint('k-a', 4, { n: 3 })]);
      });

      it('deletes alerts last seen before the retention cutoff with their rows, and writes the batch after', async () => {
        const { store, rawRows } = await fresh();
        await store.commit({
          alerts: [
            {
              alert: makeAlert('old', 0, { lastSeen: new Date(BASE_MS + 59 * 60_000).toISOString() }),
              newTimeline: [makeEntry(1)],
            },
            { alert: makeAlert('edge', 60), newTimeline: [makeEntry(2)] },
            { alert: makeAlert('new', 120), newTimeline: [] },
          ],
          keyStates: [],
        });
        await store.setAlertStatus('old', {
          status: 'resolved',
          actor: 'ana',
          at: '2026-11-03T12:00:00.000Z',
        });
        const cutoff = new Date(BASE_MS + 60 * 60_000).toISOString();
        const result = await store.commit({
          alerts: [{ alert: makeAlert('later', 0), newTimeline: [makeEntry(3)] }],
          keyStates: [],
          pruneAlertsBefore: cutoff,
        });
        expect(result.alertsPruned).toBe(1);
        expect(await store.getAlert('old')).toBeUndefined();
        // Last seen exactly at the cutoff stays; so does what the batch itself wrote, however old.
        expect(await store.getAlert('edge')).toBeDefined();
        expect((await store.getAlert('later'))?.timeline).toHaveLength(1);
        expect(await store.countAlerts()).toBe(3);
        for (const table of ['alert_timeline', 'alert_detectors', 'alert_status_changes'])
          expect(await rawRows(`SELECT 1 FROM ${table} WHERE alert_id = 'old'`)).toEqual([]);
        // The next deletion takes it.
        expect(
          (await store.commit({ alerts: [], keyStates: [], pruneAlertsBefore: cutoff })).alertsPruned,
        ).toBe(1);
        expect(await store.getAlert('later')).toBeUndefined();
      });

      it('deletes the states of forgotten keys, in the same batch as other writes', async () => {
        const { store } = await fresh();
        const state = (keyId: string): KeyCheckpoint => ({
          keyId,
          version: 'v1',
          state: { keyId },
          lastSeen: 1,
        });
        await store.commit({ alerts: [], keyStates: [state('a'), state('b'), state('c')] });
        await store.commit({
          alerts: [],
          keyStates: [state('d')],
          forgottenKeys: [{ keyId: 'a' }, { keyId: 'c', partition: 2 }, { keyId: 'never-stored' }],
        });
        expect((await store.loadKeyStates()).map((checkpoint) => checkpoint.keyId).sort()).toEqual([
          'b',
          'd',
        ]);
      });

      it('stores thousands of key states in one batch and loads them all back', async () => {
        const { store } = await fresh();
        const states = Array.from({ length: 12_345 }, (_, index) =>
          checkpoint(`key-${String(index).padStart(6, '0')}`, index % 8, { counts: [index, index + 1] }),
        );
        await store.commit({ alerts: [], keyStates: states });
        const loaded = await store.loadKeyStates();
        expect(loaded).toHaveLength(states.length);
        expect(new Set(loaded.map((state) => state.keyId)).size).toBe(states.length);
        expect(await store.getKeyState('key-012344')).toEqual(states[12_344]);
        expect(await store.loadKeyStates({ partitions: [7] })).toHaveLength(Math.floor(states.length / 8));
      });

      it('lists key ids in order, page by page', async () => {
        const { store } = await fresh();
        await store.commit({
          alerts: [],
          keyStates: ['k-c', 'k-a', 'k-e', 'k-b', 'k-d'].map((id) => checkpoint(id)),
        });
        expect(await store.listKeyIds({ limit: 2 })).toEqual(['k-a', 'k-b']);
        expect(await store.listKeyIds({ limit: 2, after: 'k-b' })).toEqual(['k-c', 'k-d']);
        expect(await store.listKeyIds({ limit: 2, after: 'k-d' })).toEqual(['k-e']);
      });

      it('stores org states and replaces them', async () => {
        const { store } = await fresh();
        await store.commit({
          alerts: [],
          keyStates: [],
          orgStates: [
            { orgId: 'org-b', version: 'v1', state: { keys: 2 } },
            { orgId: 'org-a', version: 'v1', state: { keys: 1 } },
          ],
        });
        await store.commit({
          alerts: [],
          keyStates: [],
          orgStates: [{ orgId: 'org-b', version: 'v2', state: [1] }],
        });
        expect(await store.loadOrgStates()).toEqual([
          { orgId: 'org-a', version: 'v1', state: { keys: 1 } },
          { orgId: 'org-b', version: 'v2', state: [1] },
        ]);
      });

      it('remembers the answer of an ingest batch by its idempotency key, first answer kept', async () => {
        const { store } = await fresh();
        expect(await store.getIngestBatch('batch-1')).toBeUndefined();
        await store.commit({
          alerts: [],
          keyStates: [],
          ingestBatch: { id: 'batch-1', result: '{"accepted":3}' },
        });
        await store.commit({
          alerts: [],
          keyStates: [],
          ingestBatch: { id: 'batch-1', result: '{"accepted":9}' },
        });
        expect(await store.getIngestBatch('batch-1')).toBe('{"accepted":3}');
        expect(await store.getIngestBatch('batch-2')).toBeUndefined();
      });

      it('stores offsets per group, topic and partition and replaces them', async () => {
        const { store } = await fresh();
        await store.commit({
          alerts: [],
          keyStates: [],
          offsets: [
            { group: 'g', topic: 't', partition: 1, offset: '10' },
            { group: 'g', topic: 't', partition: 0, offset: '5' },
            { group: 'g', topic: 'other', partition: 0, offset: '7' },
            { group: 'h', topic: 't', partition: 0, offset: '1' },
          ],
        });
        await store.commit({
          alerts: [],
          keyStates: [],
          offsets: [{ group: 'g', topic: 't', partition: 1, offset: '9223372036854775807' }],
        });
        expect(await store.getOffsets('g', 't')).toEqual([
          { group: 'g', topic: 't', partition: 0, offset: '5' },
          { group: 'g', topic: 't', partition: 1, offset: '9223372036854775807' },
        ]);
        expect(await store.getOffsets('nobody', 't')).toEqual([]);
      });
    });

    describe('partition leases', () => {
      const state = (keyId: string, partition: number, version = 'v1'): KeyCheckpoint => ({
        keyId,
        version,
        state: { keyId },
        lastSeen: 1,
        partition,
      });

      it('raises a partition’s epoch with each claim, per group and topic', async () => {
        const { store } = await fresh();
        expect(await store.claimPartitions('g', 't', [1, 0], 'a')).toEqual([
          { group: 'g', topic: 't', partition: 0, epoch: 1 },
          { group: 'g', topic: 't', partition: 1, epoch: 1 },
        ]);
        expect(await store.claimPartitions('g', 't', [1], 'b')).toEqual([
          { group: 'g', topic: 't', partition: 1, epoch: 2 },
        ]);
        expect(await store.claimPartitions('h', 't', [1], 'b')).toEqual([
          { group: 'h', topic: 't', partition: 1, epoch: 1 },
        ]);
        expect(await store.claimPartitions('g', 't', [], 'b')).toEqual([]);
      });

      it('leaves out the rows of a partition another instance claimed since, and writes the rest', async () => {
        const { store } = await fresh();
        const stale = await store.claimPartitions('g', 't', [0, 1], 'a');
        const fresher = await store.claimPartitions('g', 't', [1], 'b');
        const batch = (version: string, leases: typeof stale): StoreBatch => ({
          alerts: [
            { alert: makeAlert(`a0-${version}`, 0, { keyId: 'k0' }), newTimeline: [], partition: 0 },
            { alert: makeAlert(`a1-${version}`, 1, { keyId: 'k1' }), newTimeline: [], partition: 1 },
            { alert: makeAlert(`http-${version}`, 2, { keyId: 'k2' }), newTimeline: [] },
          ],
          keyStates: [state('k0', 0, version), state('k1', 1, version)],
          offsets: [
            { group: 'g', topic: 't', partition: 0, offset: `10${version.length}` },
            { group: 'g', topic: 't', partition: 1, offset: `20${version.length}` },
          ],
          leases,
        });

        expect(await store.commit(batch('zombie', stale))).toEqual({ lostPartitions: [1] });
        expect((await store.getKeyState('k0'))?.version).toBe('zombie');
        expect(await store.getKeyState('k1')).toBeUndefined();
        expect(await store.getOffsets('g', 't')).toEqual([
          { group: 'g', topic: 't', partition: 0, offset: '106' },
        ]);
        expect(await store.getAlert('a0-zombie')).toBeDefined();
        expect(await store.getAlert('a1-zombie')).toBeUndefined();
        expect(await store.getAlert('http-zombie')).toBeDefined();

        // The new owner writes its partition; a batch without leases (HTTP ingest) is not fenced.
        expect(await store.commit(batch('new', fresher))).toEqual({ lostPartitions: [] });
        expect((await store.getKeyState('k1'))?.version).toBe('new');
        expect(await store.getAlert('a1-new')).toBeDefined();
        expect(await store.commit({ alerts: [], keyStates: [state('k1', 1, 'plain')] })).toEqual({
          lostPartitions: [],
        });
        expect((await store.getKeyState('k1'))?.version).toBe('plain');
      });
    });

    describe('atomic batches', () => {
      it('leaves nothing behind when a batch fails midway', async () => {
        const { store, rawRows } = await fresh();
        const alert = makeAlert('a1', 0, { detectors: ['unfamiliar-ip', 'odd-hours'] });
        const failing: StoreBatch = {
          alerts: [{ alert, newTimeline: [makeEntry(0)] }],
          keyStates: [checkpoint('k-a', 0)],
          orgStates: [{ orgId: 'org-1', version: 'v1', state: {} }],
          // Written last; a missing topic violates NOT NULL after everything else went in.
          offsets: [{ group: 'g', topic: null as unknown as string, partition: 0, offset: '1' }],
        };
        await expectKeywatchError(store.commit(failing), 'KW_ERR_STORE');
        expect(await store.countAlerts()).toBe(0);
        expect(await store.loadKeyStates()).toEqual([]);
        expect(await store.loadOrgStates()).toEqual([]);
        for (const table of ['alert_timeline', 'alert_detectors', 'offsets']) {
          expect(Number((await rawRows(`SELECT count(*) AS n FROM ${table}`))[0]?.n)).toBe(0);
        }
        // The store is still usable afterwards.
        await store.commit({ ...failing, offsets: [] });
        expect(await store.countAlerts()).toBe(1);
      });

      function checkpoint(keyId: string, partition: number): KeyCheckpoint {
        return { keyId, version: 'v1', state: {}, lastSeen: BASE_MS, partition };
      }
    });

    describe('policies', () => {
      it('stores, replaces and lists key policies', async () => {
        const { store } = await fresh();
        expect(await store.getPolicy('k-a')).toBeUndefined();
        await store.putPolicy('k-a', { timezone: 'Europe/Paris', allowCidrs: ['10.0.0.0/8'] });
        await store.putPolicy('k-b', { revoked: true });
        await store.putPolicy('k-a', {
          timezone: 'America/New_York',
          businessHours: { days: [1, 2, 3, 4, 5], startHour: 8, endHour: 18 },
          allowCountries: ['US'],
        });
        expect(await store.getPolicy('k-a')).toEqual({
          timezone: 'America/New_York',
          businessHours: { days: [1, 2, 3, 4, 5], startHour: 8, endHour: 18 },
          allowCountries: ['US'],
        });
        expect(await store.listPolicies()).toEqual({
          'k-a': await store.getPolicy('k-a'),
          'k-b': { revoked: true },
        });
      });
    });

    describe('API tokens', () => {
      it('stores only the SHA-256 of a created token and verifies the clear token', async () => {
        const { store, rawRows } = await fresh();
        const { record, token } = await store.createToken({ name: 'ci', scopes: ['read', 'write'] });
        expect(token).toMatch(/^kw_[A-Za-z0-9_-]{43}$/);
        expect(record).toMatchObject({ name: 'ci', scopes: ['read', 'write'] });
        expect(JSON.stringify(record)).not.toContain(token);

        const rows = await rawRows('SELECT * FROM api_tokens');
        expect(rows).toHaveLength(1);
        expect(rows[0]?.token_hash).toBe(createHash('sha256').update(token).digest('hex'));
        for (const value of Object.values(rows[0] ?? {})) expect(String(value)).not.toContain(token.slice(3));

        const verified = await store.verifyToken(token);
        expect(verified).toMatchObject({ id: record.id, name: 'ci', scopes: ['read', 'write'] });
        expect(verified?.lastUsedAt).toBeDefined();
        expect(await store.listTokens()).toEqual([{ ...record, lastUsedAt: verified?.lastUsedAt }]);
      });

      it('refuses a wrong, empty or oversized token', async () => {
        const { store } = await fresh();
        const { token } = await store.createToken({ name: 'ci', scopes: ['read'] });
        expect(await store.verifyToken(`${token.slice(0, -1)}x`)).toBeUndefined();
        expect(await store.verifyToken('')).toBeUndefined();
        expect(await store.verifyToken(token + 'x'.repeat(1000))).toBeUndefined();
      });

      it('refuses a revoked token and reports revoking twice', async () => {
        const { store } = await fresh();
        const { record, token } = await store.createToken({ name: 'ci', scopes: ['admin'] });
        const other = await store.createToken({ name: 'other', scopes: ['read'] });
        expect(await store.revokeToken(record.id)).toBe(true);
        expect(await store.verifyToken(token)).toBeUndefined();
        expect(await store.revokeToken(record.id)).toBe(false);
        expect(await store.revokeToken('tok_unknown')).toBe(false);
        expect((await store.listTokens()).map((listed) => listed.id)).toEqual([other.record.id]);
        expect(await store.verifyToken(other.token)).toBeDefined();
      });

      it('moves its token stamp when a token is revoked, by this store or another on the same database', async () => {
        const { store, openAnother } = await fresh();
        const other = await openAnother();
        try {
          const mine = await store.createToken({ name: 'mine', scopes: ['read'] });
          const theirs = await store.createToken({ name: 'theirs', scopes: ['read'] });
          // PostgreSQL: unknown until the listening connection is up.
          await vi.waitFor(() => expect(store.tokenStamp()).toBeDefined(), { timeout: 5000 });
          const before = store.tokenStamp();
          expect(await store.verifyToken(mine.token)).toBeDefined();
          expect(store.tokenStamp()).toBe(before);
          // Another process revokes: seen at once (SQLite) or once its notice arrives (PostgreSQL).
          expect(await other.revokeToken(theirs.record.id)).toBe(true);
          await vi.waitFor(() => expect(store.tokenStamp()).not.toBe(before), { timeout: 2000 });
          const after = store.tokenStamp();
          expect(after).toBeDefined();
          // This store's own revocation moves it before the call returns.
          expect(await store.revokeToken(mine.record.id)).toBe(true);
          expect(store.tokenStamp()).not.toBe(after);
        } finally {
          await other.close();
        }
      });

      it('ensures a configured token idempotently, updating its name and scopes', async () => {
        const { store, rawRows } = await fresh();
        const token = 'kw_configured-token-value-from-the-environment';
        const first = await store.ensureToken({ name: 'env', scopes: ['read'], token });
        const second = await store.ensureToken({ name: 'env token', scopes: ['read', 'admin'], token });
        expect(second.id).toBe(first.id);
        expect(second).toMatchObject({
          name: 'env token',
          scopes: ['read', 'admin'],
          createdAt: first.createdAt,
        });
        expect(await rawRows('SELECT id FROM api_tokens')).toHaveLength(1);
        expect(await store.verifyToken(token)).toMatchObject({ id: first.id, scopes: ['read', 'admin'] });
      });
    });

    describeWebhookStoreContract(fresh, makeAlert);
  });
}

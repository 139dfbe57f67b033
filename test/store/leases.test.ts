import { describe, expect, it } from 'vitest';
import { fenceBatch, leaseKey } from '../../src/store/leases.js';
import type { StoreBatch } from '../../src/store/types.js';
import { makeAlert } from './store-contract.js';

const outbox = (id: string, alertId?: string) => ({
  id,
  subscriptionId: 'sub',
  type: 'alert.opened' as const,
  ...(alertId !== undefined ? { alertId } : {}),
  body: '{}',
  createdAt: '2026-11-28T00:00:00.000Z',
});

function batch(): StoreBatch {
  return {
    alerts: [
      { alert: makeAlert('a0', 0), newTimeline: [], partition: 0 },
      { alert: makeAlert('a1', 1), newTimeline: [], partition: 1 },
    ],
    keyStates: [
      { keyId: 'k0', version: 'v', state: null, lastSeen: 0, partition: 0 },
      { keyId: 'k1', version: 'v', state: null, lastSeen: 0, partition: 1 },
      { keyId: 'k-http', version: 'v', state: null, lastSeen: 0 },
    ],
    forgottenKeys: [{ keyId: 'f0', partition: 0 }, { keyId: 'f1', partition: 1 }, { keyId: 'f-http' }],
    orgStates: [{ orgId: 'o', version: 'v', state: null }],
    offsets: [
      { group: 'g', topic: 't', partition: 0, offset: '1' },
      { group: 'g', topic: 't', partition: 1, offset: '2' },
    ],
    outbox: [outbox('m0', 'a0'), outbox('m1', 'a1'), outbox('test')],
    leases: [
      { group: 'g', topic: 't', partition: 0, epoch: 3 },
      { group: 'g', topic: 't', partition: 1, epoch: 3 },
    ],
  };
}

describe('fenceBatch', () => {
  it('keeps the whole batch while every lease is current', () => {
    const whole = batch();
    const current = new Map([
      [leaseKey({ group: 'g', topic: 't', partition: 0 }), 3],
      [leaseKey({ group: 'g', topic: 't', partition: 1 }), 3],
    ]);
    expect(fenceBatch(whole, current)).toEqual({ batch: whole, lostPartitions: [] });
  });

  it('drops the key states, offsets, alerts and webhook messages of a partition claimed since', () => {
    const current = new Map([
      [leaseKey({ group: 'g', topic: 't', partition: 0 }), 3],
      [leaseKey({ group: 'g', topic: 't', partition: 1 }), 4],
    ]);
    const { batch: kept, lostPartitions } = fenceBatch(batch(), current);
    expect(lostPartitions).toEqual([1]);
    expect(kept.alerts.map((write) => write.alert.id)).toEqual(['a0']);
    expect(kept.keyStates.map((state) => state.keyId)).toEqual(['k0', 'k-http']);
    expect(kept.offsets?.map((offset) => offset.partition)).toEqual([0]);
    expect(kept.forgottenKeys?.map((key) => key.keyId)).toEqual(['f0', 'f-http']);
    expect(kept.outbox?.map((message) => message.id)).toEqual(['m0', 'test']);
    expect(kept.orgStates).toHaveLength(1);
  });

  it('counts a lease with no stored row as lost (the leases were reset)', () => {
    const current = new Map([[leaseKey({ group: 'g', topic: 't', partition: 0 }), 3]]);
    expect(fenceBatch(batch(), current).lostPartitions).toEqual([1]);
  });
});

import { describe, expect, it, vi } from 'vitest';
import { enrichCaseEvent } from '../cases-runner.js';
import type { KeyPolicy } from '../types.js';
import { Allowlists } from './allowlist.js';

const compiled = vi.hoisted(() => ({ count: 0 }));

vi.mock(import('../../src/enrich/network.js'), async (importOriginal) => {
  const original = await importOriginal();
  return {
    ...original,
    createCidrMatcher: (cidrs: readonly string[]) => {
      compiled.count++;
      return original.createCidrMatcher(cidrs);
    },
  };
});

const brazil = enrichCaseEvent({ ts: 0, ip: '200.147.3.9', geo: { country: 'BR' } });
const germany = enrichCaseEvent({ ts: 0, ip: '85.214.10.10', geo: { country: 'DE' } });

describe('Allowlists', () => {
  it.each([
    [
      'an address inside an allowed range',
      { allowCidrs: ['200.147.0.0/16'], allowCountries: [] },
      brazil,
      true,
    ],
    [
      'an address outside every allowed range',
      { allowCidrs: ['200.147.0.0/16'], allowCountries: [] },
      germany,
      false,
    ],
    ['an allowed country', { allowCidrs: [], allowCountries: ['BR'] }, brazil, true],
    ['another country', { allowCidrs: [], allowCountries: ['BR'] }, germany, false],
    ['anything under an empty policy', { allowCidrs: [], allowCountries: [] }, brazil, false],
  ] as const)('decides %s', (_name, policy, event, allowed) => {
    expect(
      new Allowlists().allows(
        { ...policy, allowCidrs: [...policy.allowCidrs], allowCountries: [...policy.allowCountries] },
        event,
      ),
    ).toBe(allowed);
  });

  it('compiles the CIDRs of one policy object once, however many events it judges', () => {
    const allowlists = new Allowlists();
    const policy: KeyPolicy = { allowCidrs: ['200.147.0.0/16', '2804:14c::/32'], allowCountries: [] };
    compiled.count = 0;
    for (let index = 0; index < 100; index++) allowlists.allows(policy, index % 2 === 0 ? brazil : germany);
    expect(compiled.count).toBe(1);
  });

  it('reuses the compiled matcher for an equal policy rebuilt as a new object', () => {
    const allowlists = new Allowlists();
    compiled.count = 0;
    for (let index = 0; index < 10; index++) {
      expect(allowlists.allows({ allowCidrs: ['200.147.0.0/16'], allowCountries: ['AT'] }, brazil)).toBe(
        true,
      );
    }
    expect(compiled.count).toBe(1);
  });
});

import { describe, expect, it } from 'vitest';
import { compileAlertFilter } from '../../src/webhooks/alert-filter.js';
import { alertFixture } from './harness.js';

const all = ['alert.opened', 'alert.updated', 'alert.resolved'] as const;

describe('alert filters', () => {
  it('lets everything through without filters (default minimum severity low)', () => {
    const filter = compileAlertFilter({}, all);
    expect(filter.matches('alert.opened', alertFixture({ severity: 'low' }))).toBe(true);
  });

  it('applies the default minimum severity when none is given', () => {
    const filter = compileAlertFilter({}, all, 'medium');
    expect(filter.matches('alert.opened', alertFixture({ severity: 'low' }))).toBe(false);
    expect(filter.matches('alert.opened', alertFixture({ severity: 'medium' }))).toBe(true);
  });

  it.each([
    [
      'minimum severity',
      { minSeverity: 'high' as const },
      { severity: 'critical' as const },
      { severity: 'medium' as const },
    ],
    [
      'detectors (any contributor)',
      { detectors: ['odd-hours'] },
      { detectors: ['unfamiliar-ip', 'odd-hours'] },
      {},
    ],
    ['key ids', { keyIds: ['key-1', 'key-2'] }, { keyId: 'key-2' }, { keyId: 'key-3' }],
    ['org ids', { orgIds: ['org-9'] }, { orgId: 'org-9' }, { orgId: undefined }],
  ])('filters on %s', (_name, filters, matching, other) => {
    const filter = compileAlertFilter(filters, all);
    expect(filter.matches('alert.updated', alertFixture(matching))).toBe(true);
    expect(filter.matches('alert.updated', alertFixture(other))).toBe(false);
  });

  it('filters on event types', () => {
    const filter = compileAlertFilter({}, ['alert.resolved']);
    expect(filter.matches('alert.resolved', alertFixture())).toBe(true);
    expect(filter.matches('alert.opened', alertFixture())).toBe(false);
  });
});

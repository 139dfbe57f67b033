import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderExample } from '../../src/scenarios/example.js';

const read = (name: string) => readFileSync(new URL(`../../examples/${name}`, import.meta.url), 'utf8');

describe('examples/webex-keys.ndjson', () => {
  it('is exactly what scripts/make-example.ts generates (regenerate it after changing the generator)', () => {
    const rendered = renderExample();
    expect(read('webex-keys.ndjson') === rendered.ndjson).toBe(true);
    // Compared as data: the committed labels are laid out by the repository's formatter.
    expect(JSON.parse(read('webex-keys.labels.json'))).toEqual(JSON.parse(rendered.labels));
  });

  it('stays under 2 MB with one labelled incident on day 4', () => {
    const ndjson = read('webex-keys.ndjson');
    expect(Buffer.byteLength(ndjson)).toBeLessThan(2 * 1024 * 1024);
    const labels = JSON.parse(read('webex-keys.labels.json')) as {
      incidents: Array<{ kind: string; start: string }>;
    };
    expect(labels.incidents).toHaveLength(1);
    expect(labels.incidents[0]?.kind).toBe('recon-new-country');
    expect(labels.incidents[0]?.start.slice(0, 10)).toBe('2026-11-05');
  });
});

import { type GenerateOptions, generateScenario } from './generate.js';

/** The options of examples/webex-keys.ndjson: small enough to read, long enough for each key to have a routine. */
export const EXAMPLE_OPTIONS = {
  seed: 2035,
  start: '2026-11-02T00:00:00Z',
  days: 4,
  mix: { bot: 1, office: 2, batch: 1, global: 1 },
  volume: 0.35,
  incidents: ['recon-new-country'],
  benign: [],
  incidentsAfterDays: 3,
} as const satisfies GenerateOptions;

/** The example's two files: the events as NDJSON and the ground truth as pretty JSON. */
export function renderExample(): { ndjson: string; labels: string; events: number } {
  const scenario = generateScenario({
    ...EXAMPLE_OPTIONS,
    mix: { ...EXAMPLE_OPTIONS.mix },
    incidents: [...EXAMPLE_OPTIONS.incidents],
    benign: [],
  });
  const ndjson = scenario.events.map((event) => JSON.stringify(event)).join('\n') + '\n';
  const labels = {
    generatedBy: 'npx tsx scripts/make-example.ts',
    options: EXAMPLE_OPTIONS,
    events: scenario.events.length,
    start: new Date(scenario.start).toISOString(),
    end: new Date(scenario.end).toISOString(),
    keys: scenario.keys.map((key) => ({
      keyId: key.keyId,
      kind: key.kind,
      home: `${key.home.city}, ${key.home.country}`,
      timezone: key.timezone,
      countries: key.countries,
      networks: key.networks,
    })),
    incidents: scenario.incidents.map((incident) => ({
      ...incident,
      start: new Date(incident.start).toISOString(),
      end: new Date(incident.end).toISOString(),
    })),
  };
  return { ndjson, labels: `${JSON.stringify(labels, null, 2)}\n`, events: scenario.events.length };
}

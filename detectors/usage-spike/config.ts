import Type, { type Static } from 'typebox';

/** Settings of the `usage-spike` detector (section `detectors.usage-spike` of the config). */
export const usageSpikeConfigSchema = Type.Object(
  {
    halfLifeMinutes: Type.Number({
      default: 120,
      minimum: 5,
      maximum: 10_080,
      description:
        'Half-life in minutes of the per-minute level (mean and variance) of each rate: how fast a key’s recent rate is followed. The weekly rhythm has its own, longer memory.',
    }),
    zThreshold: Type.Number({
      default: 4,
      minimum: 1,
      maximum: 20,
      description:
        'Standard deviations above the expected per-minute value below which a minute scores 0; minutes beyond it are also learned with reduced weight.',
    }),
    minRequestExcess: Type.Integer({
      default: 20,
      minimum: 1,
      description: 'Requests above the expected count that a minute needs before it can score at all.',
    }),
    minBytesExcess: Type.Integer({
      default: 100_000,
      minimum: 1,
      description: 'Response bytes above the expected volume that a minute needs before it can score at all.',
    }),
    minErrors: Type.Integer({
      default: 10,
      minimum: 1,
      description:
        'Failed calls (status 4xx or 5xx) above the expected count that a minute needs before it can score.',
    }),
    minErrorShare: Type.Number({
      default: 0.5,
      minimum: 0,
      maximum: 1,
      description:
        'Share of a minute’s calls that must have failed for an error burst to score: a busy key with a few more errors is not a burst.',
    }),
    learningMinutes: Type.Integer({
      default: 2_880,
      minimum: 0,
      description:
        'Minutes of event time after a key’s first event during which its findings score at most 0.45 (informational) while its baseline forms.',
    }),
    minScore: Type.Number({
      default: 0.4,
      minimum: 0,
      maximum: 1,
      description:
        'Findings scoring below this are not reported. Within one minute a metric is reported again only when its score has risen by 0.1.',
    }),
    peakFactor: Type.Number({
      default: 2,
      minimum: 1,
      description:
        'A settled key pages only when a minute exceeds this multiple of its highest minute of recent weeks (keys whose volume is naturally bursty, such as batch jobs, stay quiet on their usual peaks).',
    }),
    bytesPeakFactor: Type.Number({
      default: 3,
      minimum: 1,
      description:
        'peakFactor for the volume of response bytes, which is more heavy-tailed than call counts (a batch job exporting a larger file than usual); exfiltration is usually many times any earlier minute.',
    }),
    peakHalfLifeDays: Type.Number({
      default: 14,
      exclusiveMinimum: 0,
      description: 'Half-life of the remembered highest minute per metric.',
    }),
    seasonality: Type.Boolean({
      default: true,
      description:
        'Learn each key’s weekly rhythm (per-minute rates by local hour, weekdays and weekends apart) once it has a day of history, so a usual daily peak is expected.',
    }),
  },
  { additionalProperties: false },
);

/** Validated `usage-spike` settings, defaults filled. */
export type UsageSpikeConfig = Static<typeof usageSpikeConfigSchema>;

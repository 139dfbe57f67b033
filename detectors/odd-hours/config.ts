import Type, { type Static } from 'typebox';

/** Settings of the `odd-hours` detector (section `detectors.odd-hours` of the config). */
export const oddHoursConfigSchema = Type.Object(
  {
    halfLifeDays: Type.Number({
      default: 28,
      minimum: 1,
      maximum: 365,
      description:
        'Half-life of the hour-of-week profile in days: activity this old counts half, so a changed schedule is re-learned within a few half-lives of weeks.',
    }),
    learningDays: Type.Number({
      default: 7,
      minimum: 0,
      maximum: 90,
      description:
        'Days of event time a key is observed before its findings can score above 0.3; declared business hours only raise scores after this.',
    }),
    priorWeight: Type.Number({
      default: 0.1,
      exclusiveMinimum: 0,
      maximum: 10,
      description:
        'Pseudo-count added to every hour-of-week cell (in active weeks): the larger, the longer a sparse key is not surprised by a new hour.',
    }),
    hourNeighbourWeights: Type.Array(Type.Number({ minimum: 0, maximum: 1 }), {
      default: [0.6, 0.35, 0.2, 0.05],
      maxItems: 12,
      description:
        'Share of an active hour credited to the hours 1, 2, 3 … before and after it (across midnight): use just outside the usual hours is less surprising than use far from them.',
    }),
    adjacentDayWeight: Type.Number({
      default: 0.1,
      minimum: 0,
      maximum: 1,
      description: 'Share of an active hour credited to the same hour on the previous and next day.',
    }),
    dayGroupWeight: Type.Number({
      default: 0.1,
      minimum: 0,
      maximum: 1,
      description:
        'Share of an active hour credited to the same hour on the other days of its group (Mon–Fri or Sat–Sun) that are not adjacent.',
    }),
    minScore: Type.Number({
      default: 0.2,
      minimum: 0,
      maximum: 1,
      description: 'Findings scoring below this are not reported.',
    }),
    outsideBusinessHoursScore: Type.Number({
      default: 0.5,
      minimum: 0,
      maximum: 1,
      description:
        'Lowest score of a use outside the business hours declared in the key policy, once the key is past learning.',
    }),
  },
  { additionalProperties: false },
);

/** Validated `odd-hours` settings, defaults filled. */
export type OddHoursConfig = Static<typeof oddHoursConfigSchema>;

import Type, { type Static } from 'typebox';

const Weight = (value: number, description: string) =>
  Type.Number({ minimum: 0, maximum: 1, default: value, description });

/** Settings of the `unfamiliar-ip` detector; every field has a default. */
export const UnfamiliarIpConfig = Type.Object(
  {
    learningEvents: Type.Integer({
      minimum: 0,
      default: 30,
      description:
        'A key is still learning until it has this many events; meanwhile its scores are scaled down and never reach 0.45 (unless its org has a profile).',
    }),
    learningHours: Type.Number({
      minimum: 0,
      default: 24,
      description:
        'A key is still learning until this many hours of event time have passed since its first event.',
    }),
    forgetAfterDays: Type.Number({
      exclusiveMinimum: 0,
      default: 30,
      description: 'A place (IP, network, city, region, country) not seen for this many days is forgotten.',
    }),
    familiarAfterEvents: Type.Integer({
      minimum: 1,
      default: 20,
      description:
        'A place met recently counts as still unfamiliar (low "still unfamiliar" findings, never paging) until it has this many events…',
    }),
    familiarAfterHours: Type.Number({
      minimum: 0,
      default: 24,
      description: '…or until this many hours have passed since it was first met.',
    }),
    maxIps: Type.Integer({ minimum: 1, maximum: 1024, default: 32, description: 'IPs tracked per key.' }),
    maxNetworks: Type.Integer({
      minimum: 1,
      maximum: 1024,
      default: 32,
      description: 'Networks (/24 or /48) tracked per key.',
    }),
    maxCities: Type.Integer({
      minimum: 1,
      maximum: 256,
      default: 16,
      description: 'Cities tracked per key.',
    }),
    maxRegions: Type.Integer({
      minimum: 1,
      maximum: 256,
      default: 16,
      description: 'Regions tracked per key.',
    }),
    maxCountries: Type.Integer({
      minimum: 1,
      maximum: 256,
      default: 16,
      description: 'Countries tracked per key.',
    }),
    orgMaxNetworks: Type.Integer({
      minimum: 1,
      maximum: 65536,
      default: 256,
      description: 'Networks tracked per organisation (the org profile new keys start from).',
    }),
    orgMaxPlaces: Type.Integer({
      minimum: 1,
      maximum: 4096,
      default: 64,
      description: 'Cities, regions and countries (each) tracked per organisation.',
    }),
    weightNewCountry: Weight(0.8, 'Score of a first use from a country the key was never used from.'),
    weightNewRegion: Weight(0.35, 'Score of a first use from a new region of a known country.'),
    weightNewCity: Weight(0.3, 'Score of a first use from a new city of a known region.'),
    weightNewNetwork: Weight(0.15, 'Score of a first use from a new /24 (IPv6: /48) in a known city.'),
    weightNewHost: Weight(0.03, 'Score of a first use from a new address in a known network.'),
    distanceBonus: Weight(
      0.1,
      'Added to a new city, region or country, in proportion to its distance from every known place.',
    ),
    distanceFullKm: Type.Number({
      exclusiveMinimum: 0,
      default: 500,
      description: 'Distance at which a new city or region gets the full distance bonus.',
    }),
    distanceFullKmAbroad: Type.Number({
      exclusiveMinimum: 0,
      default: 3000,
      description: 'Distance at which a new country gets the full distance bonus.',
    }),
    noveltyDiscount: Type.Number({
      minimum: 0,
      default: 0.065,
      description:
        'Per place already known at the same level, novelty is divided by (1 + this × (known − 1)): a key used from seven countries is less surprised by an eighth.',
    }),
    repeatMaxScore: Weight(
      0.25,
      'Ceiling of the score of an event from a place met recently but still rare, so one incident does not page again and again.',
    ),
    minScore: Weight(0.05, 'Findings scoring below this are not reported (the event is still learned).'),
  },
  { additionalProperties: false },
);

export type UnfamiliarIpConfig = Static<typeof UnfamiliarIpConfig>;

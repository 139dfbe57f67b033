import type { LocalTime } from './local-time.js';
import type { Network, Places } from './places.js';
import type { Random } from './random.js';
import { dailyRhythmShape, fieldShape, nightlyShape, officeShape, type Shape } from './shapes.js';
import type { KeyModifiers, Source, SourceHost, Stream } from './traffic.js';
import type { KeyKind, KeyProfile } from './types.js';
import { ENDPOINTS, type Endpoint, type EndpointName, USER_AGENTS, webexId } from './webex-api.js';

const DAY_MS = 86_400_000;

/** Everything the generator knows about one key: its streams, time factors and ground truth. */
export interface KeyPlan {
  profile: KeyProfile;
  streams: Stream[];
  modifiers: KeyModifiers;
  /** The stream that defines "the key's usual network and hours" (office NAT, the bot, HQ…). */
  main: Stream;
}

/** Shared inputs of the key planners. */
export interface PlanContext {
  rng: Random;
  places: Places;
  localTime: LocalTime;
  /** Scenario bounds, epoch ms. */
  start: number;
  end: number;
  /** Multiplies every key's call rate (1 = the default sizes). */
  volume: number;
}

/** Home cities per key kind: bots live in cloud regions, offices where people work. */
const OFFICE_CITIES = [
  'frankfurt',
  'berlin',
  'london',
  'new-york',
  'san-jose',
  'paris',
  'amsterdam',
  'tokyo',
  'sao-paulo',
  'sydney',
  'mumbai',
  'toronto',
  'singapore',
];
const CLOUD_CITIES = [
  'ashburn',
  'frankfurt',
  'dublin',
  'san-jose',
  'london',
  'paris',
  'amsterdam',
  'tokyo',
  'singapore',
  'sydney',
  'sao-paulo',
  'mumbai',
];

const BOT_ENDPOINTS: EndpointName[] = [
  'listMessages',
  'getMessage',
  'createMessage',
  'getRoom',
  'listMemberships',
  'getPerson',
  'attachmentAction',
  'listWebhooks',
  'listEvents',
];
const OFFICE_ENDPOINTS: EndpointName[] = [
  'listMessages',
  'getMessage',
  'createMessage',
  'listRooms',
  'getRoom',
  'listMemberships',
  'me',
  'getPerson',
  'listPeople',
  'listMeetings',
  'getMeeting',
  'attachmentAction',
  'createMembership',
  'deleteMessage',
];
const BATCH_ENDPOINTS: EndpointName[] = [
  'listMessages',
  'getMessage',
  'listRooms',
  'listMemberships',
  'listRecordings',
  'getRecording',
];
const GLOBAL_ENDPOINTS: EndpointName[] = [
  'listMessages',
  'getMessage',
  'createMessage',
  'listRooms',
  'getRoom',
  'me',
  'listPeople',
  'getPerson',
  'listMeetings',
  'attachmentAction',
];

/**
 * Plans one key of the given kind, used from `createdAt` to the scenario's end.
 *
 * @example const plan = planKey('office', 'key_3fa9…', orgId, ctx, ctx.start);
 */
export function planKey(
  kind: KeyKind,
  keyId: string,
  orgId: string,
  ctx: PlanContext,
  createdAt: number,
): KeyPlan {
  const rng = ctx.rng;
  const modifiers: KeyModifiers = { rate: [], bytes: [], growthPerWeek: 0.01, epoch: ctx.start };
  const base = { keyId, orgId, from: createdAt, until: ctx.end, pooledIds: pooledIds(rng) };
  let streams: Stream[];
  let home: string;
  switch (kind) {
    case 'bot': {
      home = rng.pick(CLOUD_CITIES);
      const timezone = ctx.places.cityInfo(home).timezone;
      const networks = rng.chance(0.3) ? 2 : 1;
      const sources = Array.from({ length: networks }, () =>
        growingSource(ctx.places.takeNetwork(home, 'cloud', 8), createdAt, ctx.end, rng.int(2, 3), rng),
      );
      // 0.5–3 calls per minute, most keys at the quiet end (mean ≈ 1.1).
      const perMinute = 0.5 + 2.5 * rng.next() ** 3;
      streams = [
        {
          ...base,
          timezone,
          shape: dailyRhythmShape(rng.float(0.15, 0.5), rng.float(11, 17)),
          perHour: 60 * perMinute * ctx.volume,
          sources,
          userAgents: [rng.pick(USER_AGENTS.bot)],
          ...endpointMix(BOT_ENDPOINTS, rng.int(3, 5), rng),
          errorRate: rng.float(0.003, 0.012),
          bytesScale: 1,
        },
      ];
      break;
    }
    case 'office': {
      home = rng.pick(OFFICE_CITIES);
      const timezone = ctx.places.cityInfo(home).timezone;
      const userAgents = rng.sample(USER_AGENTS.office, rng.int(1, 3));
      const endpoints = endpointMix(OFFICE_ENDPOINTS, rng.int(4, 7), rng);
      const perWeekday = Math.exp(rng.float(Math.log(80), Math.log(450))) * ctx.volume;
      const officeShare = rng.float(0.55, 0.8);
      const workers = rng.int(2, 5);
      const perHour = perWeekday / dailyTotal(officeShape);
      const common = { ...base, timezone, shape: officeShape, ...endpoints, bytesScale: 1 };
      const errorRate = rng.float(0.008, 0.025);
      streams = [
        {
          ...common,
          perHour: perHour * officeShare,
          sources: [
            growingSource(ctx.places.takeNetwork(home, 'access', 8), createdAt, ctx.end, rng.int(1, 3), rng),
          ],
          userAgents,
          errorRate,
        },
      ];
      for (let worker = 0; worker < workers; worker++) {
        streams.push({
          ...common,
          perHour: (perHour * (1 - officeShare)) / workers,
          sources: homeWorkerAddresses(home, createdAt, ctx.end, ctx.places, rng),
          userAgents: [rng.pick(userAgents)],
          errorRate,
        });
      }
      break;
    }
    case 'batch': {
      home = rng.pick(rng.chance(0.7) ? CLOUD_CITIES : OFFICE_CITIES);
      const timezone = ctx.places.cityInfo(home).timezone;
      const nightly = rng.int(80, 350) * ctx.volume;
      const endpoints = endpointMix(BATCH_ENDPOINTS, rng.int(2, 4), rng);
      // Every archive job downloads files: the heavy bytes of a batch key.
      const withContent = {
        endpoints: [...endpoints.endpoints, ENDPOINTS.getContent],
        endpointWeights: [...endpoints.endpointWeights, rng.float(0.5, 1.5)],
      };
      streams = [
        {
          ...base,
          timezone,
          shape: nightlyShape(1, 2),
          perHour: nightly / 2,
          sources: [
            growingSource(ctx.places.takeNetwork(home, 'cloud', 6), createdAt, ctx.end, rng.int(1, 2), rng),
          ],
          userAgents: [rng.pick(USER_AGENTS.batch)],
          ...withContent,
          errorRate: rng.float(0.002, 0.01),
          bytesScale: rng.float(1.5, 4),
        },
      ];
      break;
    }
    case 'global': {
      home = rng.pick(OFFICE_CITIES);
      const hqCountry = ctx.places.cityInfo(home).country;
      const perDay = Math.exp(rng.float(Math.log(150), Math.log(600))) * ctx.volume;
      const endpoints = endpointMix(GLOBAL_ENDPOINTS, rng.int(4, 7), rng);
      const errorRate = rng.float(0.008, 0.02);
      const locations = [home, ...otherCountryCities(hqCountry, rng.int(4, 7), ctx.places, rng)];
      const shares = locations.map((_, i) => (i === 0 ? 2.5 : rng.float(0.4, 1.5)));
      const shareTotal = shares.reduce((sum, share) => sum + share, 0);
      streams = locations.map((city, i) => ({
        ...base,
        timezone: ctx.places.cityInfo(city).timezone,
        shape: fieldShape,
        perHour: (perDay * ((shares[i] ?? 1) / shareTotal)) / dailyTotal(fieldShape),
        sources: [
          growingSource(ctx.places.takeNetwork(city, 'access', 8), createdAt, ctx.end, rng.int(2, 4), rng),
        ],
        userAgents: USER_AGENTS.global,
        ...endpoints,
        errorRate,
        bytesScale: 1,
      }));
      break;
    }
  }
  const main = streams[0] as Stream;
  const homeInfo = ctx.places.cityInfo(home);
  const profile: KeyProfile = {
    keyId,
    orgId,
    kind,
    home: homeInfo,
    timezone: main.timezone,
    createdAt,
    countries: [],
    networks: [],
    userAgents: [...new Set(streams.flatMap((stream) => stream.userAgents))],
  };
  return { profile, streams, modifiers, main };
}

/** Countries of the key's everyday traffic, as planned so far. */
export function planCountries(plan: KeyPlan): string[] {
  return [
    ...new Set(plan.streams.flatMap((stream) => stream.sources.map((source) => source.network.city.country))),
  ];
}

/** /24 networks of the key's everyday traffic, as planned so far. */
export function planNetworks(plan: KeyPlan): string[] {
  return [...new Set(plan.streams.flatMap((stream) => stream.sources.map((source) => source.network.cidr)))];
}

/** Calls a weekday at shape-nominal rate 1/hour produces (to turn daily volumes into rates). */
function dailyTotal(shape: Shape): number {
  let total = 0;
  for (let hour = 0; hour < 24; hour++)
    total += shape({ hour: hour + 0.5, weekday: 3, day: 0, offsetMinutes: 0 });
  return total;
}

/** A network whose first `initial` hosts are used from the start and the rest join every 5–14 days. */
export function growingSource(
  network: Network,
  from: number,
  until: number,
  initial: number,
  rng: Random,
): Source {
  const hosts: SourceHost[] = [];
  let joins = from;
  network.hosts.forEach((address, i) => {
    if (i >= initial) joins += rng.float(5, 14) * DAY_MS;
    hosts.push({ address, from: joins });
  });
  return { network, hosts, from, until, weight: 1 };
}

/** A home worker's residential address, replaced by a new one in the same city every 2–7 days. */
function homeWorkerAddresses(
  city: string,
  from: number,
  until: number,
  places: Places,
  rng: Random,
): Source[] {
  const sources: Source[] = [];
  for (let at = from; at < until; ) {
    const next = Math.min(until, at + rng.float(2, 7) * DAY_MS);
    const network = places.takeNetwork(city, 'access', 1);
    sources.push({
      network,
      hosts: [{ address: network.hosts[0] as string, from: at }],
      from: at,
      until: next,
      weight: 1,
    });
    at = next;
  }
  return sources;
}

/** Cities in `count` distinct countries other than `exceptCountry` (home cities first, then abroad). */
function otherCountryCities(exceptCountry: string, count: number, places: Places, rng: Random): string[] {
  const seen = new Set([exceptCountry]);
  const picked: string[] = [];
  const candidates = [
    ...rng.shuffle(places.homeCities().filter((spec) => spec.access.length > 0)),
    ...rng.shuffle(places.foreignCities()),
  ];
  // Mostly countries where the org also has offices, sometimes a far one.
  for (const spec of rng.chance(0.5) ? candidates : rng.shuffle(candidates)) {
    if (picked.length >= count) break;
    if (seen.has(spec.country)) continue;
    seen.add(spec.country);
    picked.push(spec.id);
  }
  return picked;
}

function endpointMix(
  names: EndpointName[],
  count: number,
  rng: Random,
): { endpoints: Endpoint[]; endpointWeights: number[] } {
  const endpoints = rng.sample(names, count).map((name) => ENDPOINTS[name]);
  return { endpoints, endpointWeights: endpoints.map(() => rng.logNormal(1, 0.8)) };
}

function pooledIds(rng: Random): Record<string, readonly string[]> {
  const ids = (type: string, count: number) => Array.from({ length: count }, () => webexId(type, rng));
  return {
    ROOM: ids('ROOM', rng.int(2, 12)),
    PEOPLE: ids('PEOPLE', rng.int(5, 30)),
    MEETING: ids('MEETING', rng.int(3, 10)),
  };
}

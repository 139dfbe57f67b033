import {
  activeInstant,
  domesticOtherCity,
  emitCalls,
  familiarCall,
  type InjectedCall,
  type InjectionContext,
  localDay,
  newCountryCity,
  randomInstant,
  spreadTimes,
  usualAddress,
} from './injection.js';
import { type KeyPlan, planCountries } from './key-plans.js';
import type { Network, Places } from './places.js';
import type { Random } from './random.js';
import type { TimeFactor } from './traffic.js';
import type { IncidentKind, KeyKind } from './types.js';
import { BULK_ENDPOINTS, ENDPOINTS, type Endpoint, RECON_ENDPOINTS, USER_AGENTS } from './webex-api.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

/** Where and when an injected incident happened, before it gets its id. */
export interface InjectedWindow {
  start: number;
  end: number;
  description: string;
}

/** How to stage one kind of incident. */
export interface IncidentRecipe {
  /** Key kinds that fit, best first. */
  prefer: readonly KeyKind[];
  /** Extra condition on the key (e.g. its country has another catalogued city). */
  eligible?: (plan: KeyPlan, places: Places) => boolean;
  /** Writes the incident's events (or schedules them) and returns its window. */
  inject(plan: KeyPlan, ctx: InjectionContext): InjectedWindow;
}

const where = (network: Network) => `${network.city.city}, ${network.city.country} (${network.cidr})`;
const hasDomesticCity = (plan: KeyPlan, places: Places) =>
  places.otherCitiesInCountry(plan.profile.home.id).length > 0;

/** The labelled incidents, by kind. */
export const INCIDENT_RECIPES: Record<IncidentKind, IncidentRecipe> = {
  'recon-new-country': {
    prefer: ['batch', 'office', 'bot', 'global'],
    inject(plan, ctx) {
      const network = ctx.places.takeNetwork(newCountryCity(plan, ctx), 'access', 2);
      const start = randomInstant(ctx, 20 * MINUTE_MS);
      const userAgent = ctx.rng.pick(USER_AGENTS.attacker);
      let notFound = 0;
      const calls = spreadTimes(ctx.rng, ctx.rng.int(25, 60), start, start + 20 * MINUTE_MS).map(
        (time): InjectedCall => {
          if (ctx.rng.chance(0.6)) {
            const endpoint = ctx.rng.pick(RECON_ENDPOINTS);
            const forbidden = ctx.rng.chance(0.25);
            return {
              time,
              ip: network.hosts[0] as string,
              endpoint,
              status: forbidden ? 403 : 200,
              bytesOut: forbidden ? 180 : ctx.rng.logNormal(endpoint.bytesOut, 0.4),
              userAgent,
            };
          }
          const endpoint = ctx.rng.pick([
            ENDPOINTS.getMessage,
            ENDPOINTS.getRoom,
            ENDPOINTS.getPerson,
            ENDPOINTS.getMeeting,
          ]);
          const missing = ctx.rng.chance(0.85);
          if (missing) notFound++;
          return {
            time,
            ip: network.hosts[0] as string,
            endpoint,
            status: missing ? 404 : 200,
            bytesOut: missing ? 160 : endpoint.bytesOut,
            userAgent,
            guessedId: true,
          };
        },
      );
      const window = emitCalls(plan, calls, ctx);
      return {
        start: window.first,
        end: window.last,
        description: `Recon from ${where(network)}: ${calls.length} calls in 20 min walking list endpoints, ${notFound} answered 404`,
      };
    },
  },

  'night-new-ip-home-country': {
    prefer: ['office'],
    eligible: hasDomesticCity,
    inject(plan, ctx) {
      const city = domesticOtherCity(plan, ctx) as string;
      const network = ctx.places.takeNetwork(city, 'access', 2);
      const day = localDay(plan.main.timezone, ctx, (weekday) => weekday >= 1 && weekday <= 5);
      const start = ctx.localTime.toUtc(plan.main.timezone, day, 2 + ctx.rng.float(0, 0.75));
      const end = Math.min(
        start + ctx.rng.float(30, 75) * MINUTE_MS,
        ctx.localTime.toUtc(plan.main.timezone, day, 4),
      );
      const userAgent = ctx.rng.chance(0.5)
        ? (plan.main.userAgents[0] as string)
        : ctx.rng.pick(USER_AGENTS.attacker);
      const calls = spreadTimes(ctx.rng, ctx.rng.int(40, 120), start, end).map((time) =>
        ordinaryCall(plan, ctx.rng, time, network.hosts[0] as string, userAgent, ctx.rng.chance(0.3)),
      );
      const window = emitCalls(plan, calls, ctx);
      return {
        start: window.first,
        end: window.last,
        description: `Office key used at night (02–04 local, weekday) from a new network in ${where(network)}: ${calls.length} calls`,
      };
    },
  },

  'exfil-burst-new-ip': {
    prefer: ['global', 'office', 'bot', 'batch'],
    inject(plan, ctx) {
      const domestic = ctx.rng.chance(0.5) ? domesticOtherCity(plan, ctx) : undefined;
      const network = domestic
        ? ctx.places.takeNetwork(domestic, 'cloud', 2)
        : ctx.places.takeNetwork(newCountryCity(plan, ctx), 'access', 2);
      const start = randomInstant(ctx, 10 * MINUTE_MS);
      const window = exfiltrate(
        plan,
        ctx,
        start,
        network.hosts[0] as string,
        ctx.rng.pick(USER_AGENTS.attacker),
      );
      return {
        start: window.first,
        end: window.last,
        description: `Exfiltration burst from a new network in ${where(network)}: ${window.calls} calls in 10 min, ${gigabytes(window.bytes)} out`,
      };
    },
  },

  'exfil-burst-known-ip': {
    prefer: ['bot', 'office', 'global'],
    inject(plan, ctx) {
      const start = activeInstant(plan, ctx, 10 * MINUTE_MS);
      const address = usualAddress(plan, start);
      const window = exfiltrate(plan, ctx, start, address, plan.main.userAgents[0] as string);
      return {
        start: window.first,
        end: window.last,
        description: `Exfiltration burst from the key's usual address ${address} with its usual client: ${window.calls} calls in 10 min, ${gigabytes(window.bytes)} out`,
      };
    },
  },

  'bytes-only-exfil': {
    prefer: ['bot', 'global', 'office'],
    inject(plan, ctx) {
      const duration = ctx.rng.float(60, 120) * MINUTE_MS;
      const from = activeInstant(plan, ctx, duration);
      const factor: TimeFactor = { from, until: from + duration, factor: ctx.rng.float(30, 50) };
      plan.modifiers.bytes.push(factor);
      const window: InjectedWindow = {
        start: from,
        end: from + duration,
        description: `Bytes-only exfiltration: the key's normal calls return ${factor.factor.toFixed(0)}× the usual bytes for ${Math.round(duration / MINUTE_MS)} min`,
      };
      // The window is the key's own calls that carried the extra bytes, known once traffic exists.
      ctx.afterGeneration.push(() => {
        const touched = factor.touched;
        if (!touched) return;
        window.start = Math.round(touched.first);
        window.end = Math.round(touched.last);
        window.description += ` (${touched.count} calls)`;
      });
      return window;
    },
  },

  'weekend-night-known-ip': {
    prefer: ['office'],
    inject(plan, ctx) {
      const day = localDay(plan.main.timezone, ctx, (weekday) => weekday === 0 || weekday === 6);
      const start = ctx.localTime.toUtc(plan.main.timezone, day, 1 + ctx.rng.float(0, 1.5));
      const end = Math.min(
        start + ctx.rng.float(30, 90) * MINUTE_MS,
        ctx.localTime.toUtc(plan.main.timezone, day, 4),
      );
      const address = usualAddress(plan, start);
      const userAgent = plan.main.userAgents[0] as string;
      const calls = spreadTimes(ctx.rng, ctx.rng.int(15, 60), start, end).map((time) =>
        ordinaryCall(plan, ctx.rng, time, address, userAgent, false),
      );
      const window = emitCalls(plan, calls, ctx);
      return {
        start: window.first,
        end: window.last,
        description: `Office key used on a weekend night (01–04 local) from its office address ${address}: ${calls.length} calls`,
      };
    },
  },

  'low-and-slow-new-country': {
    prefer: ['office', 'batch', 'bot', 'global'],
    inject(plan, ctx) {
      const network = ctx.places.takeNetwork(newCountryCity(plan, ctx), 'access', 2);
      const start = randomInstant(ctx, 6 * HOUR_MS);
      const userAgent = plan.main.userAgents[0] as string;
      const calls: InjectedCall[] = [];
      for (let time = start; time <= start + 6 * HOUR_MS; time += ctx.rng.float(10, 30) * MINUTE_MS) {
        calls.push(ordinaryCall(plan, ctx.rng, time, network.hosts[0] as string, userAgent, false));
      }
      const window = emitCalls(plan, calls, ctx);
      return {
        start: window.first,
        end: window.last,
        description: `Low-and-slow use from ${where(network)}: ${calls.length} calls, one every 10–30 min for 6 h`,
      };
    },
  },

  'global-key-new-country': {
    prefer: ['global'],
    inject(plan, ctx) {
      const network = ctx.places.takeNetwork(newCountryCity(plan, ctx), 'access', 3);
      const duration = ctx.rng.float(30, 90) * MINUTE_MS;
      const start = activeInstant(plan, ctx, duration, 0.3);
      const calls = spreadTimes(ctx.rng, ctx.rng.int(30, 100), start, start + duration).map((time) =>
        ordinaryCall(
          plan,
          ctx.rng,
          time,
          ctx.rng.pick(network.hosts),
          ctx.rng.pick(plan.main.userAgents),
          false,
        ),
      );
      const window = emitCalls(plan, calls, ctx);
      return {
        start: window.first,
        end: window.last,
        description: `Key used in ${planCountries(plan).length} countries now used from another one, ${where(network)}: ${calls.length} calls`,
      };
    },
  },

  'auth-probe': {
    prefer: ['office', 'bot', 'batch', 'global'],
    inject(plan, ctx) {
      const network = ctx.places.takeNetwork(plan.profile.home.id, 'access', 2);
      const userAgent = ctx.rng.pick(USER_AGENTS.attacker);
      const calls: InjectedCall[] = [];
      let at = randomInstant(ctx, 25 * MINUTE_MS);
      const bursts = ctx.rng.int(2, 3);
      for (let burst = 0; burst < bursts; burst++) {
        const length = ctx.rng.float(2, 4) * MINUTE_MS;
        for (const time of spreadTimes(ctx.rng, ctx.rng.int(25, 90), at, at + length)) {
          const status = ctx.rng.weighted([401, 403, 404, 200], [0.42, 0.28, 0.24, 0.06]);
          const endpoint = ctx.rng.pick([...RECON_ENDPOINTS, ENDPOINTS.getMessage, ENDPOINTS.createMessage]);
          calls.push({
            time,
            ip: ctx.rng.pick(network.hosts),
            endpoint,
            status,
            bytesOut: status === 200 ? endpoint.bytesOut : ctx.rng.int(110, 380),
            userAgent,
            guessedId: true,
          });
        }
        at += length + ctx.rng.float(2, 5) * MINUTE_MS;
      }
      const window = emitCalls(plan, calls, ctx);
      const failures = calls.filter((call) => call.status >= 400).length;
      return {
        start: window.first,
        end: window.last,
        description: `Probing from ${where(network)}: ${bursts} bursts, ${calls.length} calls, ${failures} answered 401/403/404`,
      };
    },
  },
};

/** A call that looks like the key's own traffic (or, with `recon`, like a curious attacker's). */
function ordinaryCall(
  plan: KeyPlan,
  rng: Random,
  time: number,
  ip: string,
  userAgent: string,
  recon: boolean,
): InjectedCall {
  const endpoint: Endpoint = recon ? rng.pick(RECON_ENDPOINTS) : familiarCall(plan, rng);
  const failed = rng.chance(0.03);
  return {
    time,
    ip,
    endpoint,
    status: failed ? 404 : endpoint.okStatus,
    bytesOut: failed ? 160 : endpoint.bytesOut === 0 ? 0 : rng.logNormal(endpoint.bytesOut, 0.45),
    userAgent,
  };
}

/** Ten minutes of bulk downloads at hundreds of calls per minute. */
function exfiltrate(
  plan: KeyPlan,
  ctx: InjectionContext,
  start: number,
  address: string,
  userAgent: string,
): { first: number; last: number; calls: number; bytes: number } {
  const perMinute = ctx.rng.int(150, 450);
  let bytes = 0;
  const calls = spreadTimes(ctx.rng, perMinute * 10, start, start + 10 * MINUTE_MS).map(
    (time): InjectedCall => {
      const endpoint = ctx.rng.weighted(BULK_ENDPOINTS, [0.35, 0.4, 0.25]);
      const size =
        endpoint === ENDPOINTS.getContent
          ? ctx.rng.logNormal(1_200_000, 0.6)
          : endpoint === ENDPOINTS.listMessages
            ? ctx.rng.logNormal(400_000, 0.4)
            : ctx.rng.logNormal(2_500, 0.4);
      const throttled = ctx.rng.chance(0.01);
      bytes += throttled ? 0 : size;
      return {
        time,
        ip: address,
        endpoint,
        status: throttled ? 429 : 200,
        bytesOut: throttled ? 140 : size,
        userAgent,
      };
    },
  );
  const window = emitCalls(plan, calls, ctx);
  return { ...window, calls: calls.length, bytes };
}

function gigabytes(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${Math.round(bytes / 1e6)} MB`;
}

import type { InjectedWindow } from './incidents.js';
import { domesticOtherCity, type InjectionContext, localDay, randomInstant } from './injection.js';
import { growingSource, type KeyPlan } from './key-plans.js';
import type { Places } from './places.js';
import type { BenignKind, KeyKind } from './types.js';

const DAY_MS = 86_400_000;

/** How to stage one kind of benign change. */
export interface BenignRecipe {
  prefer: readonly KeyKind[];
  eligible?: (plan: KeyPlan, places: Places) => boolean;
  /** Changes the key's plan (before traffic is generated) and returns the labelled window. */
  apply(plan: KeyPlan, ctx: InjectionContext): InjectedWindow;
}

/**
 * The labelled benign changes, by kind. `brand-new-key` is decided when keys are planned (the key
 * starts mid-scenario); its recipe only labels the window.
 */
export const BENIGN_RECIPES: Record<BenignKind, BenignRecipe> = {
  'redeploy-same-city': {
    prefer: ['bot', 'batch'],
    apply(plan, ctx) {
      const at = randomInstant(ctx, DAY_MS);
      const network = ctx.places.takeNetwork(plan.profile.home.id, 'cloud', 8);
      for (const source of plan.main.sources) source.until = Math.min(source.until, at);
      plan.main.sources.push(growingSource(network, at, ctx.end, ctx.rng.int(2, 3), ctx.rng));
      return {
        start: Math.round(at),
        end: Math.round(Math.min(ctx.end, at + DAY_MS)),
        description: `Redeployed for good to a new network in the same city: ${network.cidr} (${network.city.city})`,
      };
    },
  },

  'travel-in-country': {
    prefer: ['office'],
    eligible: (plan, places) => places.otherCitiesInCountry(plan.profile.home.id).length > 0,
    apply(plan, ctx) {
      const city = domesticOtherCity(plan, ctx) as string;
      const network = ctx.places.takeNetwork(city, 'access', 2);
      const timezone = network.city.timezone;
      // Three working days in a row: start Monday to Wednesday.
      const day = localDay(timezone, ctx, (weekday) => weekday >= 1 && weekday <= 3, 3);
      const from = ctx.localTime.toUtc(timezone, day, 0);
      const until = ctx.localTime.toUtc(timezone, day + 3, 0);
      plan.streams.push({
        ...plan.main,
        timezone,
        perHour: plan.main.perHour * ctx.rng.float(0.25, 0.45),
        from,
        until,
        sources: [
          { network, hosts: network.hosts.map((address) => ({ address, from })), from, until, weight: 1 },
        ],
        userAgents: [plan.main.userAgents[0] as string],
      });
      return {
        start: Math.round(from),
        end: Math.round(until),
        description: `Travel inside the home country: used from ${network.city.city} (${network.cidr}) for 3 working days`,
      };
    },
  },

  'busy-day': {
    prefer: ['office', 'bot', 'global'],
    apply(plan, ctx) {
      const timezone = plan.main.timezone;
      const weekdaysOnly = plan.profile.kind === 'office' || plan.profile.kind === 'global';
      const day = localDay(timezone, ctx, (weekday) => !weekdaysOnly || (weekday >= 1 && weekday <= 5));
      const from = ctx.localTime.toUtc(timezone, day, 0);
      const until = ctx.localTime.toUtc(timezone, day + 1, 0);
      plan.modifiers.rate.push({ from, until, factor: 2 });
      return {
        start: Math.round(from),
        end: Math.round(until),
        description: 'A busier day than usual: twice the usual volume for one local day',
      };
    },
  },

  'brand-new-key': {
    prefer: ['office', 'bot'],
    apply(plan, ctx) {
      const from = plan.profile.createdAt;
      return {
        start: Math.round(from),
        end: Math.round(Math.min(ctx.end, from + 14 * DAY_MS)),
        description: `A brand-new ${plan.profile.kind} key created mid-scenario: its first two weeks of normal use`,
      };
    },
  },
};

import { KeywatchError } from '../errors.js';
import { BENIGN_RECIPES, type BenignRecipe } from './benign-changes.js';
import { EventSink } from './event-sink.js';
import { type GeoLookupFn, scenarioGeoLookup } from './geo-source.js';
import { INCIDENT_RECIPES, type IncidentRecipe, type InjectedWindow } from './incidents.js';
import type { InjectionContext } from './injection.js';
import { type KeyPlan, type PlanContext, planCountries, planKey, planNetworks } from './key-plans.js';
import { LocalTime } from './local-time.js';
import { Places } from './places.js';
import { hashSeed, Random } from './random.js';
import { generateStream } from './traffic.js';
import {
  BENIGN_KINDS,
  type BenignKind,
  INCIDENT_KINDS,
  type IncidentKind,
  type KeyKind,
  type LabelledWindow,
  type Scenario,
} from './types.js';
import { webexId } from './webex-api.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

export interface GenerateOptions {
  seed: number;
  /** Number of keys (default 48). */
  keys?: number;
  /** Length in days (default 35). */
  days?: number;
  /** First instant, ISO (default 2026-10-05T00:00:00Z, a Monday: 35 days cross the EU and US DST ends). */
  start?: string;
  /** Incidents to stage, one key each (default: one of every kind). */
  incidents?: readonly IncidentKind[];
  /** Benign changes to stage, one key each (default: one of every kind). */
  benign?: readonly BenignKind[];
  /** Labelled windows start after this many days of learning (default 14). */
  incidentsAfterDays?: number;
  /** Multiplies every key's call rate (default 1). */
  volume?: number;
  /** Exact number of keys per kind; overrides `keys`. */
  mix?: Partial<Record<KeyKind, number>>;
  /** Geo lookup that labels are checked against (default: geoip-lite, as the engine uses it). */
  geo?: GeoLookupFn;
}

/** Default start: a Monday five weeks before the end of EU (2026-10-25) and US (2026-11-01) summer time. */
export const DEFAULT_START = '2026-10-05T00:00:00Z';

/**
 * Generates a deterministic evaluation scenario: a few dozen keys of four kinds used from real
 * public addresses (geo-verified), with everyday churn, labelled incidents and labelled benign
 * changes. The same options always give the same events, byte for byte.
 *
 * @example
 * const scenario = generateScenario({ seed: 1 });
 * scenario.events.length;     // ~500k events, sorted by ts
 * scenario.incidents[0].kind; // 'recon-new-country'
 */
export function generateScenario(options: GenerateOptions): Scenario {
  const days = options.days ?? 35;
  const start = Date.parse(options.start ?? DEFAULT_START);
  if (!Number.isFinite(start))
    throw new KeywatchError('KW_ERR_USAGE', `Invalid scenario start '${options.start}'`);
  const end = start + days * DAY_MS;
  const rng = new Random(hashSeed('keywatch-scenario', options.seed));
  const places = new Places(rng.fork('places'), options.geo ?? scenarioGeoLookup());
  const localTime = new LocalTime();
  const afterDays = Math.min(options.incidentsAfterDays ?? 14, Math.max(0, days - 1));
  const earliest = start + afterDays * DAY_MS;
  const latest = Math.max(earliest, end - 7 * HOUR_MS);
  const incidentKinds = options.incidents ?? INCIDENT_KINDS;
  const benignKinds = options.benign ?? BENIGN_KINDS;

  const kinds = rng.fork('kinds').shuffle(keyKinds(options));
  const organisations = Array.from({ length: Math.max(1, Math.round(kinds.length / 6)) }, () =>
    webexId('ORGANIZATION', rng),
  );
  const createdAt = kinds.map(() => start);
  const newKeyIndex = benignKinds.includes('brand-new-key')
    ? pickIndex(kinds, BENIGN_RECIPES['brand-new-key'].prefer)
    : undefined;
  if (newKeyIndex !== undefined) {
    createdAt[newKeyIndex] = rng.float(earliest, Math.max(earliest, end - 14 * DAY_MS));
  }

  const planContext: Omit<PlanContext, 'rng'> = {
    places,
    localTime,
    start,
    end,
    volume: options.volume ?? 1,
  };
  // Kinds are shuffled, so dealing keys round-robin gives every org a mix of kinds.
  const plans = kinds.map((kind, i) =>
    planKey(
      kind,
      `key_${rng.hex(16)}`,
      organisations[i % organisations.length] as string,
      { ...planContext, rng: rng.fork(`plan-${i}`) },
      createdAt[i] as number,
    ),
  );

  // Choose keys: every labelled window gets a key of its own.
  const taken = new Set<KeyPlan>();
  if (newKeyIndex !== undefined) taken.add(plans[newKeyIndex] as KeyPlan);
  const chooser = rng.fork('choose');
  const incidentKeys = incidentKinds.map((kind) =>
    chooseKey(plans, taken, INCIDENT_RECIPES[kind], places, kind, chooser),
  );
  const benignKeys = benignKinds.map((kind) =>
    kind === 'brand-new-key'
      ? (plans[newKeyIndex as number] as KeyPlan)
      : chooseKey(plans, taken, BENIGN_RECIPES[kind], places, kind, chooser),
  );

  const sink = new EventSink(rng.fork('request-ids'));
  const ctx: InjectionContext = {
    rng: rng.fork('inject'),
    places,
    localTime,
    sink,
    earliest,
    latest,
    end,
    orgCountries: new Map(),
    afterGeneration: [],
  };
  const benignWindows = benignKinds.map((kind, i) =>
    BENIGN_RECIPES[kind].apply(benignKeys[i] as KeyPlan, ctx),
  );
  for (const plan of plans) {
    const countries = ctx.orgCountries.get(plan.profile.orgId) ?? new Set<string>();
    for (const country of planCountries(plan)) countries.add(country);
    ctx.orgCountries.set(plan.profile.orgId, countries);
  }
  const incidentWindows = incidentKinds.map((kind, i) =>
    INCIDENT_RECIPES[kind].inject(incidentKeys[i] as KeyPlan, ctx),
  );

  plans.forEach((plan, i) => {
    plan.streams.forEach((stream, j) => {
      generateStream(stream, plan.modifiers, rng.fork(`traffic-${i}-${j}`), localTime, sink);
    });
  });
  for (const finish of ctx.afterGeneration) finish();

  return {
    seed: options.seed,
    start,
    end,
    events: sink.finish(),
    incidents: incidentKinds.map((kind, i) =>
      label('incident', i, kind, incidentKeys[i] as KeyPlan, incidentWindows[i] as InjectedWindow),
    ),
    benign: benignKinds.map((kind, i) =>
      label('benign', i, kind, benignKeys[i] as KeyPlan, benignWindows[i] as InjectedWindow),
    ),
    keys: plans.map((plan) => ({
      ...plan.profile,
      countries: planCountries(plan),
      networks: planNetworks(plan),
    })),
  };
}

function keyKinds(options: GenerateOptions): KeyKind[] {
  if (options.mix) {
    return (['bot', 'office', 'batch', 'global'] as const).flatMap((kind) =>
      Array.from({ length: options.mix?.[kind] ?? 0 }, () => kind),
    );
  }
  const total = options.keys ?? 48;
  if (total < 1) throw new KeywatchError('KW_ERR_USAGE', 'A scenario needs at least one key');
  // Bots are few but busy: a twelfth of the keys make about half of the events.
  const bots = Math.max(1, Math.round(total * 0.08));
  const batch = Math.round(total * 0.2);
  const global = Math.round(total * 0.2);
  const office = Math.max(0, total - bots - batch - global);
  return [
    ...Array<KeyKind>(bots).fill('bot'),
    ...Array<KeyKind>(office).fill('office'),
    ...Array<KeyKind>(batch).fill('batch'),
    ...Array<KeyKind>(global).fill('global'),
  ].slice(0, total);
}

function pickIndex(kinds: KeyKind[], prefer: readonly KeyKind[]): number | undefined {
  for (const kind of prefer) {
    const index = kinds.indexOf(kind);
    if (index >= 0) return index;
  }
  return kinds.length > 0 ? 0 : undefined;
}

function chooseKey(
  plans: KeyPlan[],
  taken: Set<KeyPlan>,
  recipe: IncidentRecipe | BenignRecipe,
  places: Places,
  kind: string,
  rng: Random,
): KeyPlan {
  for (const keyKind of recipe.prefer) {
    const candidates = plans.filter(
      (plan) =>
        plan.profile.kind === keyKind && !taken.has(plan) && (recipe.eligible?.(plan, places) ?? true),
    );
    if (candidates.length > 0) {
      const chosen = rng.pick(candidates);
      taken.add(chosen);
      return chosen;
    }
  }
  throw new KeywatchError(
    'KW_ERR_USAGE',
    `No free key fits '${kind}' (needs one of: ${recipe.prefer.join(', ')})`,
  );
}

function label(
  type: 'incident' | 'benign',
  index: number,
  kind: IncidentKind | BenignKind,
  plan: KeyPlan,
  window: InjectedWindow,
): LabelledWindow {
  return {
    id: `${type}-${String(index + 1).padStart(2, '0')}-${kind}`,
    kind,
    keyId: plan.profile.keyId,
    start: window.start,
    end: window.end,
    description: window.description,
  };
}

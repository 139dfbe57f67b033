import type { Static, TSchema } from 'typebox';
import type { EnrichedEvent } from '../src/events/types.js';

/**
 * What a detector reports about one event (DESIGN.md contract 2). `evidence` carries the baseline
 * the event was compared with, so a person can see why it fired.
 */
export interface Finding {
  detector: string;
  /** Strength of the finding in [0, 1]. */
  score: number;
  /** What the finding is about, e.g. `ip:203.0.113.7`, `hour:Sun 03`, `rate:requests`. */
  subject: string;
  title: string;
  explanation: string;
  evidence: Record<string, unknown>;
}

/** Business hours in the key's local time: days 0 = Sunday … 6 = Saturday, hours [start, end). */
export interface BusinessHours {
  days: number[];
  startHour: number;
  endHour: number;
}

/** The merged policy in force for one key (global, then org, then key). */
export interface KeyPolicy {
  /** IANA time zone configured for the key, if any. */
  timezone?: string;
  businessHours?: BusinessHours;
  /** CIDR ranges whose use never counts as unfamiliar. */
  allowCidrs: string[];
  /** ISO country codes whose use never counts as unfamiliar. */
  allowCountries: string[];
  revoked?: boolean;
}

/** What the engine hands a detector besides the event and the key's own state. */
export interface DetectorContext {
  policy: KeyPolicy;
  /** How many events of this key the engine has seen before this one. */
  keyEvents: number;
  /** Event time of the key's first event. */
  keyFirstSeen: number;
  /** Time zone the key lives in: the configured one, else inferred from its main location, else UTC. */
  timezone: string;
}

export interface Evaluation<S, O = never> {
  state: S;
  finding?: Finding;
  /** New org-level state, for detectors that learn per organisation too. */
  orgState?: O;
}

/**
 * A detector: a pure, deterministic function of (event, key state, config). No I/O, no clock,
 * no globals. State is plain and JSON-serialisable; bump `version` whenever its shape changes.
 */
export interface DetectorDefinition<S = unknown, C extends TSchema = TSchema, P = Static<C>, O = never> {
  id: string;
  version: number;
  title: string;
  description: string;
  configSchema: C;
  /** Compile expensive things (CIDR matchers, tables) from the validated config once. */
  prepare?(config: Static<C>): P;
  initialState(): S;
  /** Org-level state shared by the keys of one organisation (optional). */
  initialOrgState?(): O;
  evaluate(event: EnrichedEvent, state: S, config: P, ctx: DetectorContext, orgState?: O): Evaluation<S, O>;
  /** A short, JSON-friendly view of what the detector has learned for a key (for the API). */
  describeState?(state: S, config: P): Record<string, unknown>;
}

// biome-ignore lint/suspicious/noExplicitAny: the registry holds detectors of different state types.
export type AnyDetector = DetectorDefinition<any, TSchema, any, any>;

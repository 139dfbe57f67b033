import { Allowlists } from './allowlist.js';
import type { UnfamiliarIpConfig } from './config.js';
import { createCountryNames } from './country-names.js';
import { LOCATE_SLOTS } from './key-profile.js';
import { LabelPool } from './label-pool.js';

/** The validated config plus what `evaluate` needs precomputed; built once by `prepare`. */
export interface PreparedUnfamiliarIp extends UnfamiliarIpConfig {
  forgetMinutes: number;
  learningMinutes: number;
  familiarMinutes: number;
  /** Grade weights by level (host … country). */
  weights: readonly number[];
  /** Key profile bounds by level (host … country). */
  limits: readonly number[];
  /** Org profile bounds by level (host … country; hosts are not kept per org). */
  orgLimits: readonly number[];
  allowlists: Allowlists;
  /** Shared copies of geographic labels (memory only). */
  labels: LabelPool;
  countryName: (code: string) => string;
  /**
   * Scratch space for `locatePlaces`, reused by every evaluation of this detector instance so the
   * per-event path allocates nothing. Evaluation is synchronous, so it is never shared mid-use.
   */
  found: Int32Array;
}

/** Distinct cities, regions and countries shared between keys; the world has about 150k cities. */
const LABEL_POOL_SIZE = 65_536;

/** Compiles the config once: minutes, per-level tables, the allowlist cache and country names. */
export function prepareUnfamiliarIp(config: UnfamiliarIpConfig): PreparedUnfamiliarIp {
  return {
    ...config,
    forgetMinutes: Math.round(config.forgetAfterDays * 1440),
    learningMinutes: Math.round(config.learningHours * 60),
    familiarMinutes: Math.round(config.familiarAfterHours * 60),
    weights: [
      config.weightNewHost,
      config.weightNewNetwork,
      config.weightNewCity,
      config.weightNewRegion,
      config.weightNewCountry,
    ],
    limits: [config.maxIps, config.maxNetworks, config.maxCities, config.maxRegions, config.maxCountries],
    orgLimits: [0, config.orgMaxNetworks, config.orgMaxPlaces, config.orgMaxPlaces, config.orgMaxPlaces],
    allowlists: new Allowlists(),
    labels: new LabelPool(LABEL_POOL_SIZE),
    countryName: createCountryNames(),
    found: new Int32Array(LOCATE_SLOTS),
  };
}

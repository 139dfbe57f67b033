import { createCidrMatcher } from '../../src/enrich/network.js';
import type { EnrichedEvent } from '../../src/events/types.js';
import type { KeyPolicy } from '../types.js';

/** A policy's allowlists compiled into one cheap test. */
type AllowTest = (event: EnrichedEvent) => boolean;

const MAX_BY_TEXT = 64;

/**
 * Compiles the allowlists of merged key policies (key ⊕ org ⊕ global) once and remembers them. The
 * engine shares one frozen policy object between all keys with the same policy, so the identity
 * cache hits almost always; policies rebuilt elsewhere fall back to a small cache keyed by their
 * text. Invalid CIDRs are rejected when the policy is configured, so compiling here does not fail
 * in practice; if it does, the error propagates and the engine counts it as a detector error.
 *
 * @example
 * const allowlists = new Allowlists();
 * if (allowlists.allows(ctx.policy, event)) return { state }; // learned, never reported
 */
export class Allowlists {
  private readonly byPolicy = new WeakMap<KeyPolicy, AllowTest>();
  private readonly byText = new Map<string, AllowTest>();

  /** Whether the event's address or country is allowlisted by the policy. */
  allows(policy: KeyPolicy, event: EnrichedEvent): boolean {
    if (policy.allowCidrs.length === 0 && policy.allowCountries.length === 0) return false;
    let test = this.byPolicy.get(policy);
    if (test === undefined) {
      test = this.compileCached(policy);
      this.byPolicy.set(policy, test);
    }
    return test(event);
  }

  private compileCached(policy: KeyPolicy): AllowTest {
    const text = `${policy.allowCidrs.join(',')}\u0000${policy.allowCountries.join(',')}`;
    let test = this.byText.get(text);
    if (test === undefined) {
      test = compile(policy);
      // Bounded: drop the oldest entry (Map keeps insertion order).
      if (this.byText.size >= MAX_BY_TEXT) this.byText.delete(this.byText.keys().next().value!);
      this.byText.set(text, test);
    }
    return test;
  }
}

function compile(policy: KeyPolicy): AllowTest {
  const countries = new Set(policy.allowCountries.map((country) => country.toUpperCase()));
  const inCidrs = policy.allowCidrs.length > 0 ? createCidrMatcher(policy.allowCidrs) : undefined;
  return (event) => {
    const country = event.geo.country;
    if (country !== null && countries.has(country.toUpperCase())) return true;
    // Parses the address again: only reached for events about to be reported, not on every event.
    return inCidrs?.(event.ipNormalized || event.ip) === true;
  };
}

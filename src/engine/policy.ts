import type { KeyPolicy } from '../../detectors/types.js';
import type { PolicyInput } from '../config/schema.js';

/** Policies as configured (and, in `serve`, as changed through the API). */
export interface PolicySources {
  global: PolicyInput;
  orgs: Readonly<Record<string, PolicyInput>>;
  keys: Readonly<Record<string, PolicyInput>>;
}

function union(a: readonly string[], b: readonly string[] | undefined): string[] {
  if (!b || b.length === 0) return a as string[];
  return [...new Set([...a, ...b])];
}

function apply(base: KeyPolicy, layer: PolicyInput | undefined): KeyPolicy {
  if (!layer) return base;
  const merged: KeyPolicy = {
    allowCidrs: union(base.allowCidrs, layer.allowCidrs),
    allowCountries: union(base.allowCountries, layer.allowCountries),
  };
  const timezone = layer.timezone ?? base.timezone;
  if (timezone !== undefined) merged.timezone = timezone;
  const businessHours = layer.businessHours ?? base.businessHours;
  if (businessHours !== undefined) merged.businessHours = businessHours;
  if (layer.revoked || base.revoked) merged.revoked = true;
  return Object.freeze(merged);
}

/**
 * Resolves the policy in force for a key: global, then its org, then the key itself. Results are
 * cached and shared (same object for every key without a policy of its own), so detectors can cache
 * compiled matchers by policy identity.
 */
export class PolicyResolver {
  private sources: PolicySources;
  private globalPolicy!: KeyPolicy;
  private readonly byOrg = new Map<string, KeyPolicy>();
  private readonly byKey = new Map<string, KeyPolicy>();
  private keyLayers = new Map<string, PolicyInput>();
  private anyKeyPolicy = false;
  private anyOrgPolicy = false;

  constructor(sources: PolicySources) {
    this.sources = sources;
    this.rebuild();
  }

  /** The merged policy for a key of an org (org may be unknown). */
  resolve(keyId: string, orgId: string | undefined): KeyPolicy {
    // Most deployments have few or no per-key and per-org policies: skip the lookups then.
    if (!this.anyKeyPolicy)
      return orgId === undefined || !this.anyOrgPolicy ? this.globalPolicy : this.orgPolicy(orgId);
    const keyLayer = this.keyLayers.get(keyId);
    if (keyLayer === undefined) return orgId === undefined ? this.globalPolicy : this.orgPolicy(orgId);
    const cacheKey = orgId === undefined ? keyId : `${keyId}\u0000${orgId}`;
    let policy = this.byKey.get(cacheKey);
    if (policy === undefined) {
      policy = apply(orgId === undefined ? this.globalPolicy : this.orgPolicy(orgId), keyLayer);
      this.byKey.set(cacheKey, policy);
    }
    return policy;
  }

  /** Replaces one key's own policy layer (from the API); `undefined` removes it. */
  setKeyPolicy(keyId: string, policy: PolicyInput | undefined): void {
    const keys = { ...this.sources.keys };
    if (policy === undefined) delete keys[keyId];
    else keys[keyId] = policy;
    this.sources = { ...this.sources, keys };
    this.keyLayers = new Map(Object.entries(keys));
    this.anyKeyPolicy = this.keyLayers.size > 0;
    for (const cacheKey of [...this.byKey.keys()]) {
      if (cacheKey === keyId || cacheKey.startsWith(`${keyId}\u0000`)) this.byKey.delete(cacheKey);
    }
  }

  /** The key's own policy layer as set, if any. */
  keyPolicy(keyId: string): PolicyInput | undefined {
    return this.keyLayers.get(keyId);
  }

  private orgPolicy(orgId: string): KeyPolicy {
    if (!this.anyOrgPolicy) return this.globalPolicy;
    let policy = this.byOrg.get(orgId);
    if (policy === undefined) {
      const layer = Object.hasOwn(this.sources.orgs, orgId) ? this.sources.orgs[orgId] : undefined;
      // Unknown orgs share the global object instead of growing the cache without bound.
      if (layer === undefined) return this.globalPolicy;
      policy = apply(this.globalPolicy, layer);
      this.byOrg.set(orgId, policy);
    }
    return policy;
  }

  private rebuild(): void {
    this.globalPolicy = apply({ allowCidrs: [], allowCountries: [] }, this.sources.global);
    this.keyLayers = new Map(Object.entries(this.sources.keys));
    this.anyKeyPolicy = this.keyLayers.size > 0;
    this.anyOrgPolicy = Object.keys(this.sources.orgs).length > 0;
    this.byOrg.clear();
    this.byKey.clear();
  }
}

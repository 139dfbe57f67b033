import type { Alert, Severity } from '../engine/types.js';
import { SEVERITY_RANK } from '../store/alert-write.js';
import type { AlertEventType, WebhookFilterRecord } from '../store/types.js';

/** A subscription's or stream client's filters, compiled once into a cheap test. */
export interface AlertFilter {
  /** Whether an event of this type about this alert is wanted. */
  matches(type: AlertEventType, alert: Alert): boolean;
}

/**
 * Compiles filters and event types: the alert must reach `minSeverity`, have one of `detectors`
 * among its contributors, belong to one of `keyIds` and one of `orgIds` (each list only when given),
 * and the event must be one of `types`.
 *
 * @example
 * const filter = compileAlertFilter({ minSeverity: 'high', detectors: ['unfamiliar-ip'] }, ['alert.opened']);
 * filter.matches('alert.opened', alert);
 */
export function compileAlertFilter(
  filters: WebhookFilterRecord,
  types: readonly AlertEventType[],
  defaultMinSeverity: Severity = 'low',
): AlertFilter {
  const minRank = SEVERITY_RANK[filters.minSeverity ?? defaultMinSeverity];
  const detectors = filters.detectors?.length ? new Set(filters.detectors) : undefined;
  const keyIds = filters.keyIds?.length ? new Set(filters.keyIds) : undefined;
  const orgIds = filters.orgIds?.length ? new Set(filters.orgIds) : undefined;
  const wanted = new Set(types);
  return {
    matches(type, alert) {
      if (!wanted.has(type) || SEVERITY_RANK[alert.severity] < minRank) return false;
      if (keyIds !== undefined && !keyIds.has(alert.keyId)) return false;
      if (orgIds !== undefined && (alert.orgId === undefined || !orgIds.has(alert.orgId))) return false;
      if (detectors !== undefined && !alert.detectors.some((detector) => detectors.has(detector)))
        return false;
      return true;
    },
  };
}

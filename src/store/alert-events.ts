import type { Alert, AlertStatus } from '../engine/types.js';
import { SEVERITY_RANK } from './alert-write.js';
import type { AlertEventType } from './webhook-types.js';

/** An alert row as it was before a write: what the change log compares the new alert with. */
export interface AlertBefore {
  status: string;
  severity_rank: number;
  /** The `detectors` column (`|a|b|`). */
  detectors: string;
}

/** Statuses after which an alert is over: a later close or resolution is no news. */
const FINISHED: ReadonlySet<string> = new Set<AlertStatus>(['closed', 'resolved', 'false_positive']);

/**
 * The change-log entries of an engine write of `alert` over the row `before` (undefined for a new
 * alert): `alert.opened` for a new alert, `alert.updated` when its severity rose or a detector joined,
 * `alert.resolved` when the engine closed the episode. Other updates (one more finding of the same
 * kind) are not logged: they are the bulk of writes and nobody is paged for them.
 *
 * @example
 * alertEventTypes(undefined, alert) // ['alert.opened']
 */
export function alertEventTypes(before: AlertBefore | undefined, alert: Alert): AlertEventType[] {
  const closed = alert.status === 'closed';
  if (before === undefined) return closed ? ['alert.opened', 'alert.resolved'] : ['alert.opened'];
  const types: AlertEventType[] = [];
  if (
    SEVERITY_RANK[alert.severity] > before.severity_rank ||
    detectorJoined(before.detectors, alert.detectors)
  ) {
    types.push('alert.updated');
  }
  if (closed && !FINISHED.has(before.status)) types.push('alert.resolved');
  return types;
}

/** Whether a detector is missing from the `|a|b|` column (tested in place: this runs for every alert write). */
function detectorJoined(column: string, detectors: readonly string[]): boolean {
  for (const detector of detectors) {
    const at = column.indexOf(detector);
    if (at <= 0 || column.charCodeAt(at - 1) !== 124 || column.charCodeAt(at + detector.length) !== 124) {
      if (!column.includes(`|${detector}|`)) return true;
    }
  }
  return false;
}

/**
 * Whether a person's status change resolves the alert for those listening: `resolved` or
 * `false_positive` set on an alert that was not over already.
 */
export function isHumanResolution(previousStatus: string, status: string): boolean {
  return (status === 'resolved' || status === 'false_positive') && !FINISHED.has(previousStatus);
}

import type { Alert, AlertStatus, Severity, TimelineEntry } from '../engine/types.js';
import type { AlertWrite } from './types.js';

/** Timeline entries kept per alert: the latest ones win. */
export const TIMELINE_LIMIT = 200;

/** Severity as a number for `severity >= ?` filters: low 0 … critical 3. */
export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { low: 0, medium: 1, high: 2, critical: 3 };

/** Statuses only people set; the engine's `open`/`closed` never overwrite them. */
const HUMAN_STATUSES: ReadonlySet<string> = new Set<AlertStatus>([
  'acknowledged',
  'resolved',
  'false_positive',
]);

/** Whether a stored status was set by a person and must survive the engine's upserts. */
export function isHumanStatus(status: string): boolean {
  return HUMAN_STATUSES.has(status);
}

/**
 * The alert as it must be stored when the engine upserts it over a row whose status is `storedStatus`:
 * a human status is kept unless the engine itself sends one.
 */
export function withKeptStatus(alert: Alert, storedStatus: string | undefined): Alert {
  if (storedStatus === undefined || !isHumanStatus(storedStatus) || isHumanStatus(alert.status)) return alert;
  return { ...alert, status: storedStatus as AlertStatus };
}

/** The `detectors` column: `|unfamiliar-ip|odd-hours|`, so "contains" is a substring test on `|id|`. */
export function detectorsColumn(detectors: readonly string[]): string {
  return detectors.length === 0 ? '|' : `|${detectors.join('|')}|`;
}

/** The detector ids of a `detectors` column. */
export function detectorsOfColumn(column: string): string[] {
  return column.split('|').filter((detector) => detector.length > 0);
}

/**
 * Merges writes of the same alert within one batch (last alert wins, timelines concatenated in order,
 * at most TIMELINE_LIMIT kept), so that each alert is written once per transaction. PostgreSQL refuses
 * to update one row twice in a single `INSERT … ON CONFLICT`.
 */
export function mergeAlertWrites(writes: readonly AlertWrite[]): AlertWrite[] {
  const byId = new Map<string, { alert: Alert; newTimeline: TimelineEntry[] }>();
  for (const write of writes) {
    const previous = byId.get(write.alert.id);
    if (previous === undefined) {
      byId.set(write.alert.id, { alert: write.alert, newTimeline: write.newTimeline });
    } else {
      previous.alert = write.alert;
      previous.newTimeline = previous.newTimeline.concat(write.newTimeline);
    }
  }
  const merged: AlertWrite[] = [];
  for (const write of byId.values()) {
    const timeline = write.newTimeline;
    merged.push({
      alert: write.alert,
      newTimeline:
        timeline.length > TIMELINE_LIMIT ? timeline.slice(timeline.length - TIMELINE_LIMIT) : timeline,
    });
  }
  return merged;
}

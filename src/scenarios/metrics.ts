import { type Alert, type AlertChange, SEVERITIES, type Severity } from '../engine/types.js';
import type { LabelledWindow, Scenario } from './types.js';

/** An alert is still about an incident if it overlaps the incident or the 10 minutes after it. */
export const OVERLAP_GRACE_MS = 10 * 60_000;

const MEDIUM = SEVERITIES.indexOf('medium');

/** How one labelled incident fared. */
export interface IncidentOutcome {
  id: string;
  kind: string;
  keyId: string;
  /** An alert of the key overlapping the window reached medium or higher. */
  detected: boolean;
  /** Alerts of the key overlapping the window, any severity. */
  alerts: number;
  /** Event time from the incident's first event to the first moment such an alert was ≥ medium. */
  timeToDetectSec: number | null;
  maxSeverity: Severity | null;
  detectors: string[];
  alertIds: string[];
}

/** Pages (alerts ≥ medium) during one labelled benign change: ideally none. */
export interface BenignOutcome {
  id: string;
  kind: string;
  keyId: string;
  pages: number;
  detectors: string[];
  alertIds: string[];
}

export interface ScoreReport {
  /** Share of incidents detected at medium or higher. */
  recallMediumPlus: number;
  incidents: number;
  detected: number;
  /** Alerts that reached medium (pages), false or not. */
  pages: number;
  /** Pages that overlap no incident of their key. */
  falsePages: number;
  /** Sum over keys of the UTC days on which the key made at least one call. */
  keyDays: number;
  falsePagesPer1000KeyDays: number;
  alertsPerIncident: { mean: number; max: number };
  medianTimeToDetectSec: number | null;
  perIncident: IncidentOutcome[];
  benignOutcomes: BenignOutcome[];
}

/** The part of a scenario scoring needs (hand-built scenarios in tests provide just this). */
export type ScoredScenario = Pick<Scenario, 'events' | 'incidents' | 'benign'>;

/**
 * Scores alerts against a scenario's labels. `changes` are the engine's alert changes (only those
 * with a severity of medium or more matter: they say when an alert first paged); an alert that
 * is ≥ medium with no such change is taken to have paged from its start.
 *
 * @example
 * const changes: AlertChange[] = [];
 * const { alerts } = await replayEvents(scenario.events, { onChange: (c) => changes.push(c) });
 * scoreAlerts(scenario, alerts, changes).recallMediumPlus;
 */
export function scoreAlerts(
  scenario: ScoredScenario,
  alerts: readonly Alert[],
  changes: Iterable<AlertChange>,
): ScoreReport {
  const pagedAt = firstPageTimes(changes);
  const spans = alerts.map((alert) => ({
    alert,
    from: Date.parse(alert.ts),
    to: Date.parse(alert.lastSeen),
    pagedAt: pagedAt.get(alert.id) ?? (rank(alert.severity) >= MEDIUM ? Date.parse(alert.ts) : undefined),
  }));
  const byKey = new Map<string, typeof spans>();
  for (const span of spans) {
    const list = byKey.get(span.alert.keyId) ?? [];
    list.push(span);
    byKey.set(span.alert.keyId, list);
  }
  const overlapping = (window: LabelledWindow) =>
    (byKey.get(window.keyId) ?? []).filter(
      (span) => span.from <= window.end + OVERLAP_GRACE_MS && span.to >= window.start,
    );

  const perIncident = scenario.incidents.map((incident): IncidentOutcome => {
    const related = overlapping(incident);
    const paging = related.filter((span) => span.pagedAt !== undefined);
    const firstPage =
      paging.length > 0 ? Math.min(...paging.map((span) => span.pagedAt as number)) : undefined;
    let maxRank = -1;
    for (const span of related) maxRank = Math.max(maxRank, rank(span.alert.severity));
    return {
      id: incident.id,
      kind: incident.kind,
      keyId: incident.keyId,
      detected: firstPage !== undefined,
      alerts: related.length,
      timeToDetectSec: firstPage === undefined ? null : Math.max(0, firstPage - incident.start) / 1000,
      maxSeverity: maxRank >= 0 ? (SEVERITIES[maxRank] as Severity) : null,
      detectors: [...new Set(related.flatMap((span) => span.alert.detectors))].sort(),
      alertIds: related.map((span) => span.alert.id),
    };
  });

  const incidentsByKey = new Map<string, LabelledWindow[]>();
  for (const incident of scenario.incidents) {
    incidentsByKey.set(incident.keyId, [...(incidentsByKey.get(incident.keyId) ?? []), incident]);
  }
  const pageSpans = spans.filter((span) => span.pagedAt !== undefined);
  const falsePages = pageSpans.filter(
    (span) =>
      !(incidentsByKey.get(span.alert.keyId) ?? []).some(
        (incident) => span.from <= incident.end + OVERLAP_GRACE_MS && span.to >= incident.start,
      ),
  ).length;

  const benignOutcomes = scenario.benign.map((change): BenignOutcome => {
    const pages = overlapping(change).filter((span) => span.pagedAt !== undefined);
    return {
      id: change.id,
      kind: change.kind,
      keyId: change.keyId,
      pages: pages.length,
      detectors: [...new Set(pages.flatMap((span) => span.alert.detectors))].sort(),
      alertIds: pages.map((span) => span.alert.id),
    };
  });

  const detected = perIncident.filter((outcome) => outcome.detected).length;
  const keyDays = countKeyDays(scenario.events);
  const alertCounts = perIncident.map((outcome) => outcome.alerts);
  return {
    recallMediumPlus: perIncident.length > 0 ? detected / perIncident.length : 1,
    incidents: perIncident.length,
    detected,
    pages: pageSpans.length,
    falsePages,
    keyDays,
    falsePagesPer1000KeyDays: keyDays > 0 ? (falsePages / keyDays) * 1000 : 0,
    alertsPerIncident: {
      mean:
        alertCounts.length > 0 ? alertCounts.reduce((sum, count) => sum + count, 0) / alertCounts.length : 0,
      max: alertCounts.length > 0 ? Math.max(...alertCounts) : 0,
    },
    medianTimeToDetectSec: median(
      perIncident.flatMap((outcome) => (outcome.timeToDetectSec === null ? [] : [outcome.timeToDetectSec])),
    ),
    perIncident,
    benignOutcomes,
  };
}

/** Per alert id, the event time of the first change that showed it at medium or above. */
export function firstPageTimes(changes: Iterable<AlertChange>): Map<string, number> {
  const times = new Map<string, number>();
  for (const change of changes) {
    if (rank(change.alert.severity) < MEDIUM) continue;
    const at = Date.parse(change.entry?.ts ?? change.alert.lastSeen);
    const known = times.get(change.alert.id);
    if (known === undefined || at < known) times.set(change.alert.id, at);
  }
  return times;
}

/**
 * An `onChange` callback that keeps only what scoring needs: the first change of each alert at
 * medium or above, copied (the engine may reuse the alert object it hands out).
 */
export function createPageRecorder(): { onChange: (change: AlertChange) => void; changes: AlertChange[] } {
  const changes: AlertChange[] = [];
  const seen = new Set<string>();
  return {
    changes,
    onChange(change) {
      if (rank(change.alert.severity) < MEDIUM || seen.has(change.alert.id)) return;
      seen.add(change.alert.id);
      changes.push({ ...change, alert: { ...change.alert } });
    },
  };
}

/** Sum over keys of the distinct UTC dates on which the key made a call. */
export function countKeyDays(events: ReadonlyArray<{ keyId: string; ts: string }>): number {
  const days = new Map<string, Set<string>>();
  for (const event of events) {
    let keyDays = days.get(event.keyId);
    if (!keyDays) {
      keyDays = new Set();
      days.set(event.keyId, keyDays);
    }
    keyDays.add(event.ts.slice(0, 10));
  }
  let total = 0;
  for (const keyDays of days.values()) total += keyDays.size;
  return total;
}

function rank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

/** Median of a list of numbers; `null` for an empty list. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = values.slice().sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

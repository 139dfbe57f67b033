/** Alert severities in rising order; `low` is informational and not notified by default. */
export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/**
 * `open` and `closed` are set by the engine (an episode closes after a quiet period); the others are
 * set by people through the API.
 */
export const ALERT_STATUSES = ['open', 'closed', 'acknowledged', 'resolved', 'false_positive'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/** One finding as it joined an alert episode: the alert's timeline. */
export interface TimelineEntry {
  ts: string;
  detector: string;
  score: number;
  risk: number;
  subject: string;
  title: string;
  explanation: string;
  ip: string;
}

/** An alert episode (DESIGN.md contract 3). */
export interface Alert {
  /** Deterministic: derived from the key and the event time of the episode's first finding. */
  id: string;
  keyId: string;
  orgId?: string;
  /** The main contributor. */
  detector: string;
  detectors: string[];
  severity: Severity;
  /** Highest combined risk the episode reached, in [0, 1]. */
  score: number;
  /** ISO time of the first event of the episode. */
  ts: string;
  /** ISO time of the latest event that joined the episode. */
  lastSeen: string;
  /** Number of findings gathered by the episode. */
  count: number;
  status: AlertStatus;
  title: string;
  summary: string;
  /** Per detector, the evidence of its strongest finding (with the baseline it was compared with). */
  evidence: Record<string, unknown>;
  /** Source addresses seen in the episode (bounded). */
  ips: string[];
  /** ISO time at which the engine closed the episode. */
  closedAt?: string;
}

/** What happened to an alert as the engine processed one event or advanced time. */
export interface AlertChange {
  kind: 'opened' | 'updated' | 'closed';
  alert: Alert;
  /** Set when this change raised the severity. */
  severityRaised: boolean;
  /** Set when a detector joined the episode with this change. */
  detectorJoined: boolean;
  /** The finding that caused the change, if any. */
  entry?: TimelineEntry;
}

import { createHash } from 'node:crypto';
import type { Finding } from '../../detectors/types.js';
import type { EnrichedEvent } from '../events/types.js';
import { type SeverityBands, severityOf, severityRank } from './severity.js';
import type { Alert, AlertChange, TimelineEntry } from './types.js';

/** Limits of what one episode keeps. */
export interface EpisodeLimits {
  maxTimelineEntries: number;
  maxAlertIps: number;
  bands: SeverityBands;
}

/** A finding as weighed by the engine: the detector's score after its weight, and the combined risk. */
export interface WeighedFinding {
  finding: Finding;
  weighted: number;
}

interface Contribution {
  score: number;
  finding: Finding;
  ts: number;
}

/** The JSON form of an episode inside a key checkpoint. */
export interface EpisodeSnapshot {
  alert: Alert;
  timeline: TimelineEntry[];
  startTs: number;
  lastFindingTs: number;
  contributions: Array<[string, Contribution]>;
}

/**
 * One alert episode of one key: opens with its first finding, gathers later ones, may rise in
 * severity, closes after a quiet period. Its id is derived from the key and the start time, so a
 * replay after a crash updates the same alert instead of creating another.
 */
export class Episode {
  readonly alert: Alert;
  readonly timeline: TimelineEntry[] = [];
  readonly startTs: number;
  lastFindingTs: number;
  private readonly contributions = new Map<string, Contribution>();
  private unsaved = 0;

  constructor(
    event: EnrichedEvent,
    private readonly limits: EpisodeLimits,
  ) {
    this.startTs = event.ts;
    this.lastFindingTs = event.ts;
    const iso = new Date(event.ts).toISOString();
    this.alert = {
      id: episodeId(event.keyId, event.ts),
      keyId: event.keyId,
      ...(event.orgId !== undefined ? { orgId: event.orgId } : {}),
      detector: '',
      detectors: [],
      severity: 'low',
      score: 0,
      ts: iso,
      lastSeen: iso,
      count: 0,
      status: 'open',
      title: '',
      summary: '',
      evidence: {},
      ips: [],
    };
  }

  /** The episode as plain JSON, for checkpoints. */
  snapshot(): EpisodeSnapshot {
    return {
      alert: this.alert,
      timeline: this.timeline,
      startTs: this.startTs,
      lastFindingTs: this.lastFindingTs,
      contributions: [...this.contributions.entries()],
    };
  }

  /** Rebuilds an episode from a checkpoint. */
  static restore(snapshot: EpisodeSnapshot, limits: EpisodeLimits): Episode {
    const episode = Object.create(Episode.prototype) as Episode;
    Object.assign(episode, {
      alert: snapshot.alert,
      timeline: snapshot.timeline,
      startTs: snapshot.startTs,
      lastFindingTs: snapshot.lastFindingTs,
      contributions: new Map(snapshot.contributions),
      limits,
      unsaved: 0,
    });
    return episode;
  }

  /** Timeline entries added since the last call (for incremental store writes). */
  takeNewTimeline(): TimelineEntry[] {
    const fresh = this.timeline.slice(Math.max(0, this.timeline.length - this.unsaved));
    this.unsaved = 0;
    return fresh;
  }

  /** Whether a finding at `ts` still belongs to this episode. */
  accepts(ts: number, quietMs: number): boolean {
    return ts - this.lastFindingTs <= quietMs && ts >= this.startTs;
  }

  /** Adds the findings of one event with the key's combined risk; returns the change to emit. */
  add(
    event: EnrichedEvent,
    findings: readonly WeighedFinding[],
    risk: number,
    kind: 'opened' | 'updated',
  ): AlertChange {
    const alert = this.alert;
    const before = severityRank(alert.severity);
    let detectorJoined = false;
    let lastEntry: TimelineEntry | undefined;
    for (const { finding, weighted } of findings) {
      const known = this.contributions.get(finding.detector);
      if (known === undefined) {
        detectorJoined = true;
        alert.detectors.push(finding.detector);
        alert.detectors.sort();
      }
      if (known === undefined || weighted > known.score) {
        this.contributions.set(finding.detector, { score: weighted, finding, ts: event.ts });
      }
      lastEntry = {
        ts: new Date(event.ts).toISOString(),
        detector: finding.detector,
        score: round(finding.score),
        risk: round(risk),
        subject: finding.subject,
        title: finding.title,
        explanation: finding.explanation,
        ip: event.ipNormalized,
      };
      this.pushTimeline(lastEntry);
      alert.count++;
    }
    if (alert.ips.length < this.limits.maxAlertIps && !alert.ips.includes(event.ipNormalized)) {
      alert.ips.push(event.ipNormalized);
    }
    this.lastFindingTs = Math.max(this.lastFindingTs, event.ts);
    alert.lastSeen = new Date(this.lastFindingTs).toISOString();
    if (risk > alert.score) alert.score = round(risk);
    alert.severity = severityOf(alert.score, this.limits.bands);
    if (alert.status === 'closed') {
      alert.status = 'open';
      delete alert.closedAt;
    }
    this.describe();
    const change: AlertChange = {
      kind,
      alert,
      severityRaised: severityRank(alert.severity) > before,
      detectorJoined,
    };
    if (lastEntry) change.entry = lastEntry;
    return change;
  }

  /** Closes the episode at the end of its quiet period (event time, so replays agree). */
  close(quietMs: number): AlertChange {
    this.alert.status = 'closed';
    this.alert.closedAt = new Date(this.lastFindingTs + quietMs).toISOString();
    return { kind: 'closed', alert: this.alert, severityRaised: false, detectorJoined: false };
  }

  private pushTimeline(entry: TimelineEntry): void {
    // Keep the first finding (how it started) and the most recent ones.
    if (this.timeline.length >= this.limits.maxTimelineEntries) this.timeline.splice(1, 1);
    this.timeline.push(entry);
    this.unsaved = Math.min(this.unsaved + 1, this.timeline.length);
  }

  /** Main detector, title, summary and evidence, all from the strongest finding of each detector. */
  private describe(): void {
    const alert = this.alert;
    const ranked = [...this.contributions.entries()].sort(
      (a, b) => b[1].score - a[1].score || a[0].localeCompare(b[0]),
    );
    const [mainId, main] = ranked[0]!;
    alert.detector = mainId;
    alert.title = main.finding.title;
    const others = ranked
      .slice(1)
      .map(([, contribution]) => lowerFirst(trimPeriod(contribution.finding.title)));
    const span = alert.count === 1 ? '1 finding' : `${alert.count} findings`;
    const ips = alert.ips.length === 1 ? `from ${alert.ips[0]}` : `from ${alert.ips.length} addresses`;
    alert.summary =
      others.length === 0
        ? `${trimPeriod(main.finding.explanation)} (${span} ${ips}).`
        : `${trimPeriod(main.finding.explanation)}, together with ${others.join(' and ')} (${span} ${ips}).`;
    const evidence: Record<string, unknown> = {
      risk: {
        combined: alert.score,
        contributions: Object.fromEntries(
          ranked.map(([id, contribution]) => [id, round(contribution.score)]),
        ),
      },
    };
    for (const [id, contribution] of ranked) {
      evidence[id] = {
        ts: new Date(contribution.ts).toISOString(),
        score: round(contribution.finding.score),
        subject: contribution.finding.subject,
        title: contribution.finding.title,
        explanation: contribution.finding.explanation,
        baseline: contribution.finding.evidence,
      };
    }
    alert.evidence = evidence;
  }
}

/** `kw_` + 24 hex chars of SHA-256 over the key id and the episode's start (event time, ms). */
export function episodeId(keyId: string, startTs: number): string {
  return `kw_${createHash('sha256').update(`${keyId}\n${startTs}`).digest('hex').slice(0, 24)}`;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function trimPeriod(text: string): string {
  return text.endsWith('.') ? text.slice(0, -1) : text;
}

function lowerFirst(text: string): string {
  return text.length > 1 && text[1] === text[1]?.toLowerCase()
    ? text[0]!.toLowerCase() + text.slice(1)
    : text;
}

import type { Alert, AlertChange } from '../engine/types.js';
import type { CanonicalEvent } from './types.js';

/** Settings of the naive rule set Keywatch is compared with. */
export interface BaselineOptions {
  /** Rules learn but stay silent during each key's first days (default 7: one full week). */
  learningDays?: number;
  /** Hits of one key closer than this join one alert (default 30 min, like an episode). */
  groupWithinMs?: number;
  /** A minute is a spike at this multiple of the key's running mean per-minute rate (default 5). */
  rateMultiple?: number;
  /** …and at least this many calls in the minute (default 5), so one call of a quiet key is no spike. */
  minCallsPerMinute?: number;
}

type Rule = 'baseline-new-ip' | 'baseline-new-hour' | 'baseline-rate-spike';

interface KeyState {
  firstSeen: number;
  firstMinute: number;
  calls: number;
  ips: Set<string>;
  hoursOfWeek: Uint8Array;
  minute: number;
  callsThisMinute: number;
  spikeReported: boolean;
  episode: Alert | undefined;
  episodeLastSeen: number;
}

const HOUR_MS = 3_600_000;

/**
 * The rules a security team writes first, run over the same events so Keywatch's numbers have a
 * yardstick: page on every new IP of a key, every hour-of-week (UTC) the key was never used in,
 * and every minute with ≥ 5× the key's running mean rate. Each hit is medium; hits of one key
 * within 30 minutes are one alert (the same episode idea as Keywatch's, so the comparison is fair).
 *
 * @example
 * const { alerts, changes } = runBaselineRules(scenario.events);
 * scoreAlerts(scenario, alerts, changes);
 */
export function runBaselineRules(
  events: Iterable<CanonicalEvent>,
  options: BaselineOptions = {},
): { alerts: Alert[]; changes: AlertChange[] } {
  const learningMs = (options.learningDays ?? 7) * 86_400_000;
  const groupWithinMs = options.groupWithinMs ?? 30 * 60_000;
  const rateMultiple = options.rateMultiple ?? 5;
  const minCalls = options.minCallsPerMinute ?? 5;
  const keys = new Map<string, KeyState>();
  const alerts: Alert[] = [];
  const changes: AlertChange[] = [];

  for (const event of events) {
    const time = Date.parse(event.ts);
    let state = keys.get(event.keyId);
    if (!state) {
      state = {
        firstSeen: time,
        firstMinute: Math.floor(time / 60_000),
        calls: 0,
        ips: new Set(),
        hoursOfWeek: new Uint8Array(168),
        minute: -1,
        callsThisMinute: 0,
        spikeReported: false,
        episode: undefined,
        episodeLastSeen: Number.NEGATIVE_INFINITY,
      };
      keys.set(event.keyId, state);
    }
    const hits: Rule[] = [];
    if (!state.ips.has(event.ip)) {
      state.ips.add(event.ip);
      hits.push('baseline-new-ip');
    }
    // 1970-01-01 was a Thursday: shift by four days so that hour 0 is Sunday 00:00 UTC.
    const hourOfWeek = (Math.floor(time / HOUR_MS) + 96) % 168;
    if (state.hoursOfWeek[hourOfWeek] === 0) {
      state.hoursOfWeek[hourOfWeek] = 1;
      hits.push('baseline-new-hour');
    }
    const minute = Math.floor(time / 60_000);
    if (minute !== state.minute) {
      state.minute = minute;
      state.callsThisMinute = 0;
      state.spikeReported = false;
    }
    state.callsThisMinute++;
    const meanPerMinute = state.calls / Math.max(1, minute - state.firstMinute);
    if (!state.spikeReported && state.callsThisMinute >= Math.max(minCalls, rateMultiple * meanPerMinute)) {
      state.spikeReported = true;
      hits.push('baseline-rate-spike');
    }
    state.calls++;
    if (hits.length === 0 || time - state.firstSeen < learningMs) continue;
    record(state, event, time, hits, groupWithinMs, alerts, changes);
  }
  return { alerts, changes };
}

function record(
  state: KeyState,
  event: CanonicalEvent,
  time: number,
  hits: Rule[],
  groupWithinMs: number,
  alerts: Alert[],
  changes: AlertChange[],
): void {
  const episode = state.episode;
  if (episode && time - state.episodeLastSeen <= groupWithinMs) {
    episode.lastSeen = event.ts;
    episode.count += hits.length;
    for (const hit of hits) if (!episode.detectors.includes(hit)) episode.detectors.push(hit);
    if (!episode.ips.includes(event.ip) && episode.ips.length < 20) episode.ips.push(event.ip);
    state.episodeLastSeen = time;
    return;
  }
  if (episode) episode.status = 'closed';
  const rule = hits[0] as Rule;
  const alert: Alert = {
    id: `baseline:${event.keyId}:${time}`,
    keyId: event.keyId,
    orgId: event.orgId,
    detector: rule,
    detectors: [...hits],
    severity: 'medium',
    score: 0.5,
    ts: event.ts,
    lastSeen: event.ts,
    count: hits.length,
    status: 'open',
    title: `Naive rule: ${rule}`,
    summary: `Key ${event.keyId} matched ${hits.join(', ')} from ${event.ip}.`,
    evidence: {},
    ips: [event.ip],
  };
  alerts.push(alert);
  state.episode = alert;
  state.episodeLastSeen = time;
  changes.push({ kind: 'opened', alert: { ...alert }, severityRaised: true, detectorJoined: true });
}

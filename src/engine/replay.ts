import { builtInDetectors } from '../../detectors/index.js';
import { type KeywatchConfig, loadConfig } from '../config/load.js';
import { Pipeline, type PipelineStats, type RejectedInput } from './pipeline.js';
import { prepareDetectors } from './registry.js';
import type { Alert, AlertChange } from './types.js';

export interface ReplayOptions {
  config?: KeywatchConfig;
  onChange?: (change: AlertChange) => void;
  onReject?: (rejected: RejectedInput, raw: unknown) => void;
  /** Wall-clock reference for the future-timestamp check; defaults to Date.now. */
  referenceTime?: () => number;
}

export interface ReplaySummary extends PipelineStats {
  keys: number;
  alerts: number;
  alertsBySeverity: Record<string, number>;
  findings: number;
  detectorErrors: Record<string, number>;
  seconds: number;
  eventsPerSecond: number;
}

/** Final alerts in a stable order: by start time, then id. */
export function sortAlerts(alerts: Iterable<Alert>): Alert[] {
  return [...alerts].sort((a, b) =>
    a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
  );
}

/** Creates a pipeline over the built-in detectors that collects the final state of every alert. */
export function createReplayPipeline(options: ReplayOptions = {}): {
  pipeline: Pipeline;
  alerts: Map<string, Alert>;
} {
  const config = options.config ?? loadConfig();
  const alerts = new Map<string, Alert>();
  const pipeline = new Pipeline({
    config,
    detectors: prepareDetectors(builtInDetectors, config.detectors),
    onChange: (change) => {
      alerts.set(change.alert.id, change.alert);
      options.onChange?.(change);
    },
    ...(options.onReject ? { onReject: options.onReject } : {}),
    ...(options.referenceTime ? { referenceTime: options.referenceTime } : {}),
  });
  return { pipeline, alerts };
}

/** Summary of a finished replay. */
export function summarize(pipeline: Pipeline, alerts: Map<string, Alert>, seconds: number): ReplaySummary {
  const alertsBySeverity: Record<string, number> = { low: 0, medium: 0, high: 0, critical: 0 };
  for (const alert of alerts.values())
    alertsBySeverity[alert.severity] = (alertsBySeverity[alert.severity] ?? 0) + 1;
  return {
    ...pipeline.stats,
    rejectedByReason: { ...pipeline.stats.rejectedByReason },
    keys: pipeline.engine.keyCount,
    alerts: alerts.size,
    alertsBySeverity,
    findings: pipeline.engine.counters.findings,
    detectorErrors: { ...pipeline.engine.counters.detectorErrors },
    seconds,
    eventsPerSecond: seconds > 0 ? Math.round(pipeline.stats.read / seconds) : 0,
  };
}

/**
 * Runs the engine over events in order (canonical objects or NDJSON lines) and returns the final
 * state of every alert, sorted, with a summary.
 *
 * @example const { alerts } = await replayEvents(events);
 */
export async function replayEvents(
  events: Iterable<unknown> | AsyncIterable<unknown>,
  options: ReplayOptions = {},
): Promise<{ alerts: Alert[]; summary: ReplaySummary }> {
  const started = performance.now();
  const { pipeline, alerts } = createReplayPipeline(options);
  let position = 0;
  if (Symbol.iterator in events) {
    for (const event of events as Iterable<unknown>) pipeline.ingest(event, ++position);
  } else {
    for await (const event of events) pipeline.ingest(event, ++position);
  }
  pipeline.flush();
  const summary = summarize(pipeline, alerts, (performance.now() - started) / 1000);
  return { alerts: sortAlerts(alerts.values()).map((alert) => structuredClone(alert)), summary };
}

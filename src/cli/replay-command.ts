import { createReadStream, createWriteStream, statSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import type { KeywatchConfig } from '../config/load.js';
import { createReplayPipeline, type ReplaySummary, sortAlerts, summarize } from '../engine/replay.js';
import { KeywatchError } from '../errors.js';
import { readEventsThreaded } from '../events/threaded-intake.js';
import { ProgressBar } from './progress.js';

export interface ReplayCommandOptions {
  file: string;
  config: KeywatchConfig;
  stdout: Writable;
  stderr: NodeJS.WriteStream | Writable;
  stdin?: Readable;
  /** Write every rejected line as NDJSON `{ line, reason, message }` to this file. */
  deadLetterFile?: string;
  progress?: boolean;
}

const MAX_ECHO = 120;

/**
 * `keywatch replay FILE|-`: runs the engine over NDJSON events in file order, prints the final state
 * of each alert as NDJSON on stdout, reports each rejected line (number and reason) and a summary on
 * stderr. Malformed lines never stop the replay.
 */
export async function replayCommand(options: ReplayCommandOptions): Promise<ReplaySummary> {
  const { config, stdout, stderr } = options;
  let input: Readable;
  let totalBytes: number | undefined;
  if (options.file === '-') {
    input = options.stdin ?? process.stdin;
  } else {
    try {
      totalBytes = statSync(options.file).size;
    } catch (error) {
      throw new KeywatchError(
        'KW_ERR_INPUT_UNREADABLE',
        `Cannot read ${options.file}: ${(error as Error).message}`,
      );
    }
    input = createReadStream(options.file, { highWaterMark: 1 << 20 });
  }
  const deadLetter = options.deadLetterFile ? createWriteStream(options.deadLetterFile) : undefined;
  const tty = stderr as NodeJS.WriteStream;
  const bar =
    options.progress !== false && ProgressBar.enabledFor(tty) ? new ProgressBar(tty, totalBytes) : undefined;

  const started = performance.now();
  const { pipeline, alerts } = createReplayPipeline({
    config,
    onReject: (rejected) => {
      bar?.clear();
      const message =
        rejected.message.length > MAX_ECHO ? `${rejected.message.slice(0, MAX_ECHO)}…` : rejected.message;
      stderr.write(`line ${rejected.position}: rejected (${rejected.reason}): ${message}\n`);
      deadLetter?.write(`${JSON.stringify({ line: rejected.position, reason: rejected.reason, message })}\n`);
    },
  });

  // Intake (line splitting, parsing, validation, dedupe) runs in a worker thread; the detectors here.
  await readEventsThreaded(input, config.events, {
    onEvent: (event) => pipeline.admit(event),
    onReject: (rejection, line) => pipeline.rejectRaw(rejection, line),
    onProgress: (bytes) => bar?.update(bytes, pipeline.stats.read),
  });
  pipeline.flush();
  bar?.clear();

  for (const alert of sortAlerts(alerts.values())) stdout.write(`${JSON.stringify(alert)}\n`);
  if (deadLetter) await new Promise<void>((resolve) => deadLetter.end(resolve));
  const summary = summarize(pipeline, alerts, (performance.now() - started) / 1000);
  stderr.write(formatSummary(summary));
  return summary;
}

/** The human summary printed on stderr after a replay. */
export function formatSummary(summary: ReplaySummary): string {
  const n = (value: number) => value.toLocaleString('en-US');
  const reasons = Object.entries(summary.rejectedByReason)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([reason, count]) => `${reason} ${n(count)}`)
    .join(', ');
  const severities = ['low', 'medium', 'high', 'critical']
    .map((severity) => `${severity} ${n(summary.alertsBySeverity[severity] ?? 0)}`)
    .join(', ');
  const errors = Object.entries(summary.detectorErrors)
    .map(([id, count]) => `${id} ${n(count)}`)
    .join(', ');
  return [
    `keywatch replay: ${n(summary.read)} events read in ${summary.seconds.toFixed(2)} s (${n(summary.eventsPerSecond)} events/s)`,
    `  accepted ${n(summary.accepted)}, rejected ${n(summary.rejected)}${reasons ? ` (${reasons})` : ''}${summary.late ? `, ${n(summary.late)} late` : ''}`,
    `  keys ${n(summary.keys)}, findings ${n(summary.findings)}, alerts ${n(summary.alerts)} (${severities})`,
    ...(errors ? [`  detector errors: ${errors}`] : []),
    '',
  ].join('\n');
}

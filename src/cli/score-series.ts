import { Readable, type Writable } from 'node:stream';
import {
  DAY_TYPE_HOUR_BUCKETS,
  DEFAULT_SERIES_MODEL_OPTIONS,
  dayTypeHourBucket,
  SeriesModel,
  type SeriesModelOptions,
} from '../../detectors/usage-spike/model.js';
import { readLines } from '../events/line-reader.js';

/** What `scoreSeries` did: data rows written, and how many of them were bad (scored 0, not learned). */
export interface ScoreSeriesSummary {
  rows: number;
  skipped: number;
}

/** Rows whose spacing decides the model; they fall inside the warm-up, so they all score 0. */
const SPACING_SAMPLE_ROWS = 30;
const MAX_LINE_BYTES = 65_536;
const OUTPUT_CHUNK_CHARS = 65_536;
const MAX_ECHO = 60;
const HOUR_SECONDS = 3_600;
const DAY_SECONDS = 86_400;
/** Half-life of the level and the variance, in time. */
const LEVEL_HALF_LIFE_SECONDS = 24 * HOUR_SECONDS;
/** Half-life of a seasonal bucket, in days of that bucket. */
const SEASONAL_HALF_LIFE_DAYS = 2;

/**
 * `keywatch score-series` (DESIGN.md contract 4): reads a `timestamp,value` CSV and writes
 * `timestamp,value,anomaly_score`, one row per input row, in order, timestamp and value echoed as
 * given. Each score uses only its row and the rows before it. A row whose value is missing or not a
 * number (or whose timestamp cannot be read) keeps its place with score 0, is not learned from, and is
 * reported on `err` with its line number; blank lines are not rows. `input` is a stream, or the CSV
 * text itself.
 *
 * The model ({@link SeriesModel}) learns a level with its variance; when the first rows are spaced an
 * hour or less apart it also learns an offset per local hour × (weekday, weekend), read from the
 * timestamps' wall clock as written.
 *
 * @example await scoreSeries(createReadStream('nyc_taxi.csv'), process.stdout, process.stderr);
 */
export async function scoreSeries(
  input: Readable | string,
  out: Writable,
  err: Writable,
): Promise<ScoreSeriesSummary> {
  const stream = typeof input === 'string' ? Readable.from([input]) : input;
  const writer = new ChunkedWriter(out);
  const summary: ScoreSeriesSummary = { rows: 0, skipped: 0 };
  const pending: SeriesRow[] = [];
  let pendingValid = 0;
  let model: SeriesModel | undefined;
  let sawHeader = false;

  const emit = (row: SeriesRow, score: number) =>
    writer.write(`${row.timestampText},${row.valueText},${formatScore(score)}\n`);
  const score = (row: SeriesRow, seriesModel: SeriesModel) =>
    row.problem === undefined ? seriesModel.observe(row.value, row.bucket) : 0;

  const take = async (row: SeriesRow, line: number) => {
    summary.rows++;
    if (row.problem !== undefined) {
      summary.skipped++;
      err.write(`line ${line}: ${row.problem}; scored 0 and not learned\n`);
    }
    if (model) return emit(row, score(row, model));
    pending.push(row);
    if (row.problem === undefined) pendingValid++;
    if (pendingValid < SPACING_SAMPLE_ROWS) return;
    model = new SeriesModel(modelOptionsFor(pending));
    for (const early of pending) await emit(early, score(early, model));
    pending.length = 0;
  };

  for await (const item of readLines(stream, MAX_LINE_BYTES)) {
    if (item.text === undefined) {
      await take(unreadableRow(`line of ${item.oversized} bytes is too long`), item.line);
      continue;
    }
    if (item.text.trim() === '') continue;
    if (!sawHeader) {
      sawHeader = true;
      await writer.write('timestamp,value,anomaly_score\n');
      if (isHeader(item.text)) continue;
      err.write(`line ${item.line}: no "timestamp,value" header; reading this line as data\n`);
    }
    await take(parseRow(item.text), item.line);
  }
  if (!sawHeader) await writer.write('timestamp,value,anomaly_score\n');
  if (pending.length > 0) {
    const lateModel = new SeriesModel(modelOptionsFor(pending));
    for (const early of pending) await emit(early, score(early, lateModel));
  }
  await writer.flush();
  return summary;
}

/** One data row: the text to echo and, when it is usable, its value, time and seasonal bucket. */
interface SeriesRow {
  timestampText: string;
  valueText: string;
  value: number;
  /** Epoch milliseconds of the timestamp. */
  epochMs: number;
  /** Local hour × day-type bucket of the wall clock as written. */
  bucket: number;
  /** Why the row is not learned from; undefined for a good row. */
  problem?: string;
}

function unreadableRow(problem: string): SeriesRow {
  return { timestampText: '', valueText: '', value: Number.NaN, epochMs: Number.NaN, bucket: 0, problem };
}

/** The first line is a header unless it starts with a readable timestamp. */
function isHeader(line: string): boolean {
  const first = line.slice(0, line.indexOf(',') === -1 ? line.length : line.indexOf(','));
  return !TIMESTAMP.test(unquote(first.trim()));
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

function parseRow(line: string): SeriesRow {
  const firstComma = line.indexOf(',');
  const timestampText = firstComma === -1 ? line : line.slice(0, firstComma);
  const rest = firstComma === -1 ? '' : line.slice(firstComma + 1);
  const secondComma = rest.indexOf(',');
  const valueText = secondComma === -1 ? rest : rest.slice(0, secondComma);
  const row: SeriesRow = { timestampText, valueText, value: Number.NaN, epochMs: Number.NaN, bucket: 0 };

  const valueField = unquote(valueText.trim());
  if (valueField === '') row.problem = 'value is missing';
  else if (!NUMBER.test(valueField)) row.problem = `value "${echo(valueField)}" is not a number`;
  else row.value = Number(valueField);

  const match = TIMESTAMP.exec(unquote(timestampText.trim()));
  if (!match) {
    row.problem ??= `timestamp "${echo(timestampText)}" is not an ISO-8601 date-time`;
    return row;
  }
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = '', zone] = match;
  const wallClockMs = Date.UTC(
    Number(year),
    Number(month) - 1,
    Number(day),
    Number(hour),
    Number(minute),
    Number(second),
    fraction === '' ? 0 : Math.floor(Number(`0.${fraction}`) * 1000),
  );
  if (Number.isNaN(wallClockMs) || Number(month) > 12 || Number(day) > 31 || Number(hour) > 23) {
    row.problem ??= `timestamp "${echo(timestampText)}" is not a valid date-time`;
    return row;
  }
  row.epochMs = wallClockMs - zoneOffsetMs(zone);
  // Seasonality follows the wall clock as written: a series in local time keeps its local rhythm.
  const epochHour = Math.floor(wallClockMs / 3_600_000);
  const hourOfWeek = (((epochHour + 96) % 168) + 168) % 168; // 1970-01-01 was a Thursday: hour 96.
  row.bucket = dayTypeHourBucket(hourOfWeek);
  return row;
}

function zoneOffsetMs(zone: string | undefined): number {
  if (zone === undefined || zone.toUpperCase() === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
  return sign * (hours * 60 + minutes) * 60_000;
}

function unquote(text: string): string {
  return text.length >= 2 && text.startsWith('"') && text.endsWith('"') ? text.slice(1, -1) : text;
}

function echo(text: string): string {
  return text.length > MAX_ECHO ? `${text.slice(0, MAX_ECHO)}…` : text;
}

/**
 * Chooses the model from the median spacing of the first good rows: hour-of-day × day-type buckets
 * when rows are at most an hour apart, a plain level model otherwise; half-lives and warm-up are
 * converted from time into rows.
 */
export function modelOptionsFor(rows: readonly { epochMs: number; problem?: string }[]): SeriesModelOptions {
  const spacingSeconds = medianSpacingSeconds(rows);
  if (!(spacingSeconds > 0)) return { ...DEFAULT_SERIES_MODEL_OPTIONS, buckets: 0 };
  const seasonal = spacingSeconds <= HOUR_SECONDS;
  const rowsPerDay = DAY_SECONDS / spacingSeconds;
  return {
    ...DEFAULT_SERIES_MODEL_OPTIONS,
    halfLife: clamp(LEVEL_HALF_LIFE_SECONDS / spacingSeconds, 5, 5_000),
    buckets: seasonal ? DAY_TYPE_HOUR_BUCKETS : 0,
    seasonalHalfLife: seasonal ? (SEASONAL_HALF_LIFE_DAYS * HOUR_SECONDS) / spacingSeconds : 1,
    warmUp: Math.round(clamp(rowsPerDay, SPACING_SAMPLE_ROWS, 400)),
  };
}

function medianSpacingSeconds(rows: readonly { epochMs: number; problem?: string }[]): number {
  const gaps: number[] = [];
  let previous = Number.NaN;
  for (const row of rows) {
    if (row.problem !== undefined || Number.isNaN(row.epochMs)) continue;
    if (row.epochMs > previous) gaps.push((row.epochMs - previous) / 1000);
    previous = row.epochMs;
  }
  if (gaps.length === 0) return Number.NaN;
  gaps.sort((a, b) => a - b);
  return gaps[Math.floor(gaps.length / 2)]!;
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

/** Scores with at most 6 decimals, without trailing zeros: `0`, `0.5`, `0.912345`. */
function formatScore(score: number): string {
  if (!(score > 0)) return '0';
  if (score >= 1) return '1';
  return String(Math.round(score * 1e6) / 1e6);
}

/** Collects output lines and writes them in large chunks, waiting for `drain` when the sink is full. */
class ChunkedWriter {
  private buffer = '';
  constructor(private readonly out: Writable) {}

  async write(text: string): Promise<void> {
    this.buffer += text;
    if (this.buffer.length >= OUTPUT_CHUNK_CHARS) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.buffer === '') return;
    const chunk = this.buffer;
    this.buffer = '';
    if (!this.out.write(chunk)) await new Promise<void>((resolve) => this.out.once('drain', resolve));
  }
}

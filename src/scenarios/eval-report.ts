import { checkThresholds, type SeedEvaluation } from './evaluation.js';
import type { IncidentOutcome, ScoreReport } from './metrics.js';

/** Renders the evaluation as plain-text tables: one per seed, then all seeds pooled. */
export function formatEvaluation(
  seeds: readonly SeedEvaluation[],
  pooled: { engine: ScoreReport; baseline: ScoreReport },
): string {
  const out: string[] = [];
  for (const seed of seeds) {
    out.push(
      `Seed ${seed.seed}: ${count(seed.events)} events, ${seed.keys} keys, ${count(seed.engine.keyDays)} key-days, ` +
        `${seed.engine.incidents} incidents, ${seed.engine.benignOutcomes.length} benign changes ` +
        `(generated in ${seed.generateSec.toFixed(1)} s, replayed in ${seed.replaySec.toFixed(1)} s = ` +
        `${count(Math.round(seed.events / Math.max(seed.replaySec, 1e-9)))} events/s)`,
    );
    out.push(metricsTable(seed.engine, seed.baseline, false));
    out.push(incidentTable(seed.engine.perIncident, seed.baseline.perIncident));
    out.push(benignTable(seed.engine, seed.baseline));
    out.push('');
  }
  out.push(`All ${seeds.length} seeds pooled (every incident, page and key-day counted once):`);
  out.push(metricsTable(pooled.engine, pooled.baseline, true));
  out.push(kindTable(pooled.engine, pooled.baseline));
  return out.join('\n');
}

function metricsTable(engine: ScoreReport, baseline: ScoreReport, withVerdict: boolean): string {
  const checks = checkThresholds(engine);
  const rows = [
    ['metric', 'keywatch', 'baseline', 'target', ...(withVerdict ? [''] : [])],
    ['recall @ medium+', recall(engine), recall(baseline)],
    ['false pages / 1,000 key-days', falsePages(engine), falsePages(baseline)],
    ['alerts per incident (mean / max)', perIncident(engine), perIncident(baseline)],
    ['median time to detect', seconds(engine.medianTimeToDetectSec), seconds(baseline.medianTimeToDetectSec)],
  ];
  checks.forEach((check, i) => {
    rows[i + 1]?.push(check.target, ...(withVerdict ? [check.pass ? 'pass' : 'FAIL'] : []));
  });
  return table(rows);
}

function incidentTable(engine: IncidentOutcome[], baseline: IncidentOutcome[]): string {
  const rows = [['incident', 'keywatch', 'baseline', 'what happened']];
  engine.forEach((outcome, i) => {
    rows.push([outcome.kind, verdict(outcome), verdict(baseline[i]), outcome.id]);
  });
  return table(rows);
}

function benignTable(engine: ScoreReport, baseline: ScoreReport): string {
  const rows = [['benign change', 'keywatch pages', 'baseline pages']];
  engine.benignOutcomes.forEach((outcome, i) => {
    const detectors = outcome.detectors.length > 0 ? ` (${outcome.detectors.join(', ')})` : '';
    rows.push([
      outcome.kind,
      `${outcome.pages}${detectors}`,
      String(baseline.benignOutcomes[i]?.pages ?? '–'),
    ]);
  });
  return table(rows);
}

function kindTable(engine: ScoreReport, baseline: ScoreReport): string {
  const rows = [['incident kind', 'keywatch detected', 'keywatch median TTD', 'baseline detected']];
  const kinds = [...new Set(engine.perIncident.map((outcome) => outcome.kind))];
  for (const kind of kinds) {
    const mine = engine.perIncident.filter((outcome) => outcome.kind === kind);
    const theirs = baseline.perIncident.filter((outcome) => outcome.kind === kind);
    const times = mine
      .flatMap((outcome) => (outcome.timeToDetectSec === null ? [] : [outcome.timeToDetectSec]))
      .sort((a, b) => a - b);
    rows.push([
      kind,
      `${mine.filter((outcome) => outcome.detected).length}/${mine.length}`,
      seconds(times.length > 0 ? (times[Math.floor((times.length - 1) / 2)] as number) : null),
      `${theirs.filter((outcome) => outcome.detected).length}/${theirs.length}`,
    ]);
  }
  const benignKinds = [...new Set(engine.benignOutcomes.map((outcome) => outcome.kind))];
  rows.push(['benign change kind', 'keywatch pages', '', 'baseline pages']);
  for (const kind of benignKinds) {
    const pages = (report: ScoreReport) =>
      report.benignOutcomes
        .filter((outcome) => outcome.kind === kind)
        .reduce((total, outcome) => total + outcome.pages, 0);
    rows.push([kind, String(pages(engine)), '', String(pages(baseline))]);
  }
  return table(rows);
}

function verdict(outcome: IncidentOutcome | undefined): string {
  if (!outcome) return '–';
  if (!outcome.detected) return outcome.alerts > 0 ? `missed (${outcome.alerts} low)` : 'missed';
  const detectors = outcome.detectors.length > 0 ? ` ${outcome.detectors.join('+')}` : '';
  return `${seconds(outcome.timeToDetectSec)} ${outcome.maxSeverity}${detectors}`;
}

const recall = (score: ScoreReport) =>
  `${score.recallMediumPlus.toFixed(2)} (${score.detected}/${score.incidents})`;
const falsePages = (score: ScoreReport) =>
  `${score.falsePagesPer1000KeyDays.toFixed(1)} (${score.falsePages} of ${score.pages} pages)`;
const perIncident = (score: ScoreReport) =>
  `${score.alertsPerIncident.mean.toFixed(1)} / ${score.alertsPerIncident.max}`;

function seconds(value: number | null): string {
  if (value === null) return '–';
  return value < 600 ? `${Math.round(value)} s` : `${(value / 60).toFixed(0)} min`;
}

function count(value: number): string {
  return value.toLocaleString('en-US');
}

function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows
    .map(
      (row) =>
        `  ${row
          .map((cell, i) => cell.padEnd(widths[i] ?? 0))
          .join('  ')
          .trimEnd()}`,
    )
    .join('\n');
}

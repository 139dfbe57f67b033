import type { Severity } from './types.js';
import { SEVERITIES } from './types.js';

/** Risk bands: below `medium` an alert is `low` (informational). */
export interface SeverityBands {
  medium: number;
  high: number;
  critical: number;
}

/** Maps a combined risk in [0, 1] to a severity. */
export function severityOf(risk: number, bands: SeverityBands): Severity {
  if (risk >= bands.critical) return 'critical';
  if (risk >= bands.high) return 'high';
  if (risk >= bands.medium) return 'medium';
  return 'low';
}

/** Rank of a severity, 0 = low … 3 = critical. */
export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

/**
 * Noisy-OR: independent weak signals together rank higher than either alone
 * (0.4 and 0.4 → 0.64), while one strong signal keeps its strength.
 */
export function combineScores(scores: readonly number[]): number {
  let quiet = 1;
  for (const score of scores) quiet *= 1 - Math.min(1, Math.max(0, score));
  return 1 - quiet;
}

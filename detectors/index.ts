import { oddHours } from './odd-hours/index.js';
import { revokedKey } from './revoked-key/index.js';
import type { AnyDetector } from './types.js';
import { unfamiliarIp } from './unfamiliar-ip/index.js';
import { usageSpike } from './usage-spike/index.js';

export type { AnyDetector, DetectorContext, DetectorDefinition, Finding, KeyPolicy } from './types.js';

/** The built-in detectors, listed explicitly (no auto-loading); ids are stable contract. */
export const builtInDetectors: readonly AnyDetector[] = Object.freeze([
  unfamiliarIp,
  oddHours,
  usageSpike,
  revokedKey,
] as AnyDetector[]);

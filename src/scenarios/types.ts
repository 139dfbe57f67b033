import type { CityInfo } from './places.js';

/** An access-log event exactly as a scenario writes it (DESIGN.md contract 1, `ts` as ISO string). */
export interface CanonicalEvent {
  ts: string;
  keyId: string;
  orgId: string;
  ip: string;
  method: string;
  path: string;
  status: number;
  bytesOut: number;
  bytesIn: number;
  userAgent: string;
  requestId: string;
}

/** Labelled misuse a detector should page on. */
export const INCIDENT_KINDS = [
  'recon-new-country',
  'night-new-ip-home-country',
  'exfil-burst-new-ip',
  'exfil-burst-known-ip',
  'bytes-only-exfil',
  'weekend-night-known-ip',
  'low-and-slow-new-country',
  'global-key-new-country',
  'auth-probe',
] as const;
export type IncidentKind = (typeof INCIDENT_KINDS)[number];

/** Labelled everyday changes a detector should stay quiet about. */
export const BENIGN_KINDS = ['redeploy-same-city', 'travel-in-country', 'busy-day', 'brand-new-key'] as const;
export type BenignKind = (typeof BENIGN_KINDS)[number];

/** A labelled stretch of one key's traffic; times are epoch milliseconds of event time. */
export interface LabelledWindow {
  id: string;
  kind: IncidentKind | BenignKind;
  keyId: string;
  /** Event time of the first event of the incident (or start of the benign change). */
  start: number;
  /** Event time of the last event of the incident (or end of the benign change). */
  end: number;
  description: string;
}

/**
 * How a key is used: `bot` (server integration, 24/7 from a cloud region), `office` (business
 * hours, office network plus home workers), `batch` (nightly job), `global` (used from 5–8 countries).
 */
export type KeyKind = 'bot' | 'office' | 'batch' | 'global';

/** What the generator decided about a key: its ground truth, for reports and tests. */
export interface KeyProfile {
  keyId: string;
  orgId: string;
  kind: KeyKind;
  home: CityInfo;
  /** Time zone of the key's main location (business hours follow it). */
  timezone: string;
  /** Event time at which the key starts being used (mid-scenario for a brand-new key). */
  createdAt: number;
  /** Countries of the key's everyday traffic (attack traffic excluded). */
  countries: string[];
  /** /24 networks of the key's everyday traffic (attack traffic excluded). */
  networks: string[];
  userAgents: string[];
}

/** A generated scenario: events sorted by time plus the ground truth. */
export interface Scenario {
  seed: number;
  /** Epoch ms of the first instant and of the end (exclusive) of the scenario. */
  start: number;
  end: number;
  events: CanonicalEvent[];
  incidents: LabelledWindow[];
  benign: LabelledWindow[];
  keys: KeyProfile[];
}

import type { PolicyInput } from '../config/schema.js';
import type { Alert, AlertChange } from '../engine/types.js';
import type { RejectReason } from '../events/types.js';
import type { Store } from '../store/types.js';

/** Outcome of one ingest call (`POST /v1/events`). */
export interface IngestResult {
  accepted: number;
  rejected: Array<{ index: number; reason: RejectReason; message: string }>;
}

/** One client of a key: the services that would break if the key were rotated now. */
export interface KeyClient {
  network: string;
  userAgent: string | null;
  endpoints: string[];
  events: number;
  firstSeen: string;
  lastSeen: string;
}

/** What `GET /v1/keys` lists per key. */
export interface KeySummary {
  keyId: string;
  orgId: string | null;
  events: number;
  firstSeen: string;
  lastSeen: string;
  /** 0–1: how far the key is through its learning period (1 = settled). */
  learning: number;
  /** Highest score of the key's alerts that are not resolved/false positive, 0 when none. */
  risk: number;
  openAlerts: number;
  revoked: boolean;
}

/** What `GET /v1/keys/:keyId` shows: summary, learned profile per detector, clients and policy. */
export interface KeyProfile extends KeySummary {
  timezone: string;
  profile: Record<string, Record<string, unknown>>;
  clients: KeyClient[];
  policy: PolicyInput;
}

/**
 * The running service as the HTTP API sees it: the engine with its store. Every method is safe to
 * call concurrently from request handlers.
 */
export interface KeywatchRuntime {
  readonly store: Store;
  /**
   * Ingests canonical (or configured-format) events; events are processed and stored before it
   * resolves. With an idempotency key, a retry of a batch already committed (within a day) gets the
   * stored answer and its events are not processed again.
   */
  ingest(events: unknown[], options?: { idempotencyKey?: string }): Promise<IngestResult>;
  listKeys(options: {
    limit: number;
    after?: string;
  }): Promise<{ items: KeySummary[]; nextCursor: string | null }>;
  getKey(keyId: string): Promise<KeyProfile | undefined>;
  putPolicy(keyId: string, policy: PolicyInput): Promise<PolicyInput>;
  /** Marks a key revoked: from then on any use raises a critical `revoked-key` alert. */
  revokeKey(keyId: string): Promise<PolicyInput>;
  /**
   * Human triage of an alert. A false positive teaches the key's profile: the alert's networks
   * become familiar for that key.
   */
  updateAlert(
    id: string,
    change: { status: 'acknowledged' | 'resolved' | 'false_positive' | 'open'; note?: string; actor: string },
  ): Promise<Alert | undefined>;
  /** Subscribes to alert changes after they are stored (live stream, webhooks). Returns unsubscribe. */
  onAlertChange(listener: (change: AlertChange) => void): () => void;
  /** True once state is restored and the store answers. */
  ready(): Promise<boolean>;
  close(): Promise<void>;
}

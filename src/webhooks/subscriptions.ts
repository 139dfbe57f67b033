import { createHash, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { KeywatchError } from '../errors.js';
import type {
  AlertEventType,
  WebhookFilterRecord,
  WebhookStore,
  WebhookSubscriptionRecord,
} from '../store/types.js';
import type { AddressPolicy } from './address-policy.js';
import { type AlertFilter, compileAlertFilter } from './alert-filter.js';
import { ALERT_EVENT_TYPES, type ConfigSubscription } from './config.js';
import { generateSecret, secretKey } from './secret.js';
import { checkWebhookUrl, validateWebhookUrl } from './url-policy.js';

/** A subscription as people create it (API body or config entry). */
export interface SubscriptionInput {
  url: string;
  secret?: string;
  description?: string;
  filters?: WebhookFilterRecord;
  types?: AlertEventType[];
  format?: 'standard' | 'slack';
  enabled?: boolean;
}

/** A change to a subscription; `rotateSecret` generates a new secret (returned once). */
export interface SubscriptionPatch extends Partial<SubscriptionInput> {
  rotateSecret?: boolean;
}

/** A subscription ready for the outbox hook and the worker: filter compiled, signing keys decoded. */
export interface LiveSubscription {
  record: WebhookSubscriptionRecord;
  filter: AlertFilter;
  /** Whether messages are written and delivered for it (enabled, and not disabled by the worker). */
  active: boolean;
  /** HMAC keys at `now`: the current secret's, then the previous one's during a rotation. */
  signingKeys(now: number): Buffer[];
}

export interface SubscriptionRegistryOptions {
  store: WebhookStore;
  policy: AddressPolicy;
  logger: Logger;
  /** How long the previous secret keeps signing after a rotation, in hours. */
  previousSecretHours: number;
  now?: () => number;
}

/** More subscriptions than this are refused: each alert is written once per matching subscription. */
export const MAX_SUBSCRIPTIONS = 500;

/** Webhooks are for pages: low (informational) alerts are not sent unless asked for. */
const DEFAULT_MIN_SEVERITY = 'medium';

/**
 * Webhook subscriptions: validated and saved through the store (from the API and from config), and
 * kept in memory for the outbox hook, which runs inside the runtime's commit and must not wait for
 * I/O. The cache is reloaded after every local change and periodically (changes made by other
 * instances, and by the delivery worker disabling a failing endpoint).
 */
export class SubscriptionRegistry {
  readonly #store: WebhookStore;
  readonly #policy: AddressPolicy;
  readonly #logger: Logger;
  readonly #previousSecretMs: number;
  readonly #now: () => number;
  #byId = new Map<string, LiveSubscription>();
  #active: LiveSubscription[] = [];

  constructor(options: SubscriptionRegistryOptions) {
    this.#store = options.store;
    this.#policy = options.policy;
    this.#logger = options.logger;
    this.#previousSecretMs = options.previousSecretHours * 3_600_000;
    this.#now = options.now ?? Date.now;
  }

  /** Subscriptions that receive messages now, from the cache (cheap: called in every commit). */
  active(): readonly LiveSubscription[] {
    return this.#active;
  }

  /** A cached subscription, active or not. */
  cached(id: string): LiveSubscription | undefined {
    return this.#byId.get(id);
  }

  /** Reloads the cache from the store. */
  async refresh(): Promise<void> {
    const records = await this.#store.listSubscriptions();
    const byId = new Map<string, LiveSubscription>();
    for (const record of records) byId.set(record.id, live(record));
    this.#byId = byId;
    this.#active = [...byId.values()].filter((subscription) => subscription.active);
  }

  list(): Promise<WebhookSubscriptionRecord[]> {
    return this.#store.listSubscriptions();
  }

  async get(id: string): Promise<WebhookSubscriptionRecord> {
    const record = await this.#store.getSubscription(id);
    if (record === undefined) throw notFound();
    return record;
  }

  /** Validates and saves a new subscription; the secret is returned here and never again. */
  async create(input: SubscriptionInput): Promise<{ record: WebhookSubscriptionRecord; secret: string }> {
    if ((await this.#store.listSubscriptions()).length >= MAX_SUBSCRIPTIONS) {
      throw new KeywatchError(
        'KW_ERR_CONFLICT',
        `At most ${MAX_SUBSCRIPTIONS} webhook subscriptions can exist`,
      );
    }
    await validateWebhookUrl(input.url, this.#policy);
    const secret = input.secret ?? generateSecret();
    requireSecret(secret);
    const at = new Date(this.#now()).toISOString();
    const record: WebhookSubscriptionRecord = {
      id: `wh_${randomBytes(12).toString('hex')}`,
      url: input.url,
      secret,
      filters: withDefaultSeverity(input.filters),
      types: input.types ?? [...ALERT_EVENT_TYPES],
      format: input.format ?? 'standard',
      description: input.description ?? '',
      enabled: input.enabled ?? true,
      source: 'api',
      createdAt: at,
      updatedAt: at,
    };
    await this.#store.createSubscription(record);
    await this.refresh();
    return { record, secret };
  }

  /**
   * Changes a subscription. A new secret (given, or generated with `rotateSecret` and returned once)
   * leaves the old one signing too for a while, so receivers can switch without losing messages.
   * `enabled: true` also lifts an automatic disabling. Config subscriptions only take `enabled`.
   */
  async update(
    id: string,
    patch: SubscriptionPatch,
  ): Promise<{ record: WebhookSubscriptionRecord; secret?: string }> {
    const current = await this.get(id);
    if (current.source === 'config' && Object.keys(patch).some((field) => field !== 'enabled')) {
      throw new KeywatchError(
        'KW_ERR_CONFLICT',
        'This subscription comes from the configuration (webhooks.subscriptions); only enabled can be changed here',
      );
    }
    if (patch.secret !== undefined && patch.rotateSecret === true) {
      throw new KeywatchError('KW_ERR_BAD_REQUEST', 'body: give either secret or rotateSecret, not both');
    }
    if (patch.url !== undefined && patch.url !== current.url)
      await validateWebhookUrl(patch.url, this.#policy);
    const now = this.#now();
    const record: WebhookSubscriptionRecord = {
      ...current,
      ...(patch.url !== undefined ? { url: patch.url } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      ...(patch.filters !== undefined ? { filters: withDefaultSeverity(patch.filters) } : {}),
      ...(patch.types !== undefined ? { types: patch.types } : {}),
      ...(patch.format !== undefined ? { format: patch.format } : {}),
      ...(patch.enabled !== undefined ? { enabled: patch.enabled } : {}),
      updatedAt: new Date(now).toISOString(),
    };
    if (patch.enabled === true) clearDisabling(record);
    const newSecret = patch.rotateSecret === true ? generateSecret() : patch.secret;
    if (newSecret !== undefined && newSecret !== current.secret) {
      requireSecret(newSecret);
      rotate(record, newSecret, now, this.#previousSecretMs);
    }
    if (!(await this.#store.updateSubscription(record))) throw notFound();
    await this.refresh();
    return patch.rotateSecret === true && newSecret !== undefined
      ? { record, secret: newSecret }
      : { record };
  }

  /** Deletes a subscription with its pending messages and delivery history. */
  async remove(id: string): Promise<void> {
    const current = await this.get(id);
    if (current.source === 'config') {
      throw new KeywatchError(
        'KW_ERR_CONFLICT',
        'This subscription comes from the configuration (webhooks.subscriptions); remove it there',
      );
    }
    if (!(await this.#store.deleteSubscription(id))) throw notFound();
    await this.refresh();
  }

  /**
   * Makes the stored config subscriptions match `webhooks.subscriptions`: new ones are added, changed
   * ones updated (which lifts an automatic disabling), removed ones deleted. A URL refused by the SSRF
   * policy or a bad secret stops start-up naming the setting (never the secret).
   */
  async syncConfig(entries: readonly ConfigSubscription[]): Promise<void> {
    const existing = new Map(
      (await this.#store.listSubscriptions())
        .filter((record) => record.source === 'config')
        .map((record) => [record.id, record]),
    );
    const seen = new Set<string>();
    for (let index = 0; index < entries.length; index++) {
      const entry = entries[index]!;
      const setting = `webhooks.subscriptions.${index}`;
      await this.#checkConfigEntry(entry, setting);
      const id = entry.id ?? configId(entry.url, seen);
      if (seen.has(id)) throw configInvalid(`${setting}.id`, `repeats the id ${id}`);
      seen.add(id);
      const now = this.#now();
      const at = new Date(now).toISOString();
      const desired = {
        url: entry.url,
        filters: withDefaultSeverity(entry.filters),
        types: entry.types ?? [...ALERT_EVENT_TYPES],
        format: entry.format ?? 'standard',
        description: entry.description ?? '',
        enabled: entry.enabled ?? true,
      } as const;
      const previous = existing.get(id);
      if (previous === undefined) {
        await this.#store.createSubscription({
          id,
          ...desired,
          secret: entry.secret,
          source: 'config',
          createdAt: at,
          updatedAt: at,
        });
        continue;
      }
      if (sameDefinition(previous, desired, entry.secret)) continue;
      const record: WebhookSubscriptionRecord = { ...previous, ...desired, updatedAt: at };
      clearDisabling(record);
      if (entry.secret !== previous.secret) rotate(record, entry.secret, now, this.#previousSecretMs);
      await this.#store.updateSubscription(record);
    }
    for (const id of existing.keys()) if (!seen.has(id)) await this.#store.deleteSubscription(id);
    await this.refresh();
  }

  async #checkConfigEntry(entry: ConfigSubscription, setting: string): Promise<void> {
    if (secretKey(entry.secret) === undefined) {
      throw configInvalid(`${setting}.secret`, 'must be whsec_ and the base64 of 24 to 64 random bytes');
    }
    try {
      checkWebhookUrl(entry.url, this.#policy);
    } catch (error) {
      throw configInvalid(`${setting}.url`, (error as Error).message.replace(/^body\.url /, ''));
    }
    try {
      await validateWebhookUrl(entry.url, this.#policy);
    } catch (error) {
      const message = (error as Error).message;
      // A name that does not resolve now may resolve later; the connection is checked again anyway.
      if (message.includes('does not resolve')) {
        this.#logger.warn({ setting }, 'a webhook host name does not resolve yet');
        return;
      }
      throw configInvalid(`${setting}.url`, message.replace(/^body\.url /, ''));
    }
  }
}

/** The compiled form of a record. */
export function live(record: WebhookSubscriptionRecord): LiveSubscription {
  const current = secretKey(record.secret);
  const previous = record.previousSecret === undefined ? undefined : secretKey(record.previousSecret);
  const previousUntil = record.previousSecretExpiresAt ?? 0;
  return {
    record,
    filter: compileAlertFilter(record.filters, record.types, DEFAULT_MIN_SEVERITY),
    active: record.enabled && record.disabledAt === undefined,
    signingKeys(now) {
      const keys: Buffer[] = current === undefined ? [] : [current];
      if (previous !== undefined && now < previousUntil) keys.push(previous);
      return keys;
    },
  };
}

function withDefaultSeverity(filters: WebhookFilterRecord | undefined): WebhookFilterRecord {
  return { minSeverity: DEFAULT_MIN_SEVERITY, ...(filters ?? {}) };
}

function rotate(record: WebhookSubscriptionRecord, secret: string, now: number, previousMs: number): void {
  if (previousMs > 0) {
    record.previousSecret = record.secret;
    record.previousSecretExpiresAt = now + previousMs;
  } else {
    delete record.previousSecret;
    delete record.previousSecretExpiresAt;
  }
  record.secret = secret;
}

function clearDisabling(record: WebhookSubscriptionRecord): void {
  delete record.disabledAt;
  delete record.disabledReason;
  delete record.failingSince;
}

function sameDefinition(
  record: WebhookSubscriptionRecord,
  desired: Omit<SubscriptionInput, 'secret'>,
  secret: string,
): boolean {
  return (
    record.secret === secret &&
    record.url === desired.url &&
    record.format === desired.format &&
    record.description === desired.description &&
    record.enabled === desired.enabled &&
    JSON.stringify(record.filters) === JSON.stringify(desired.filters) &&
    JSON.stringify(record.types) === JSON.stringify(desired.types)
  );
}

/** A config subscription's id when none is given: from its URL (and its rank among equal URLs). */
function configId(url: string, taken: ReadonlySet<string>): string {
  for (let rank = 0; ; rank++) {
    const id = `cfg-${createHash('sha256').update(`${url}\n${rank}`).digest('hex').slice(0, 16)}`;
    if (!taken.has(id)) return id;
  }
}

function requireSecret(secret: string): void {
  if (secretKey(secret) === undefined) {
    throw new KeywatchError(
      'KW_ERR_BAD_REQUEST',
      'body.secret must be whsec_ and the canonical base64 of 24 to 64 random bytes',
      { field: 'secret' },
    );
  }
}

function notFound(): KeywatchError {
  return new KeywatchError('KW_ERR_NOT_FOUND', 'No webhook subscription with this id');
}

function configInvalid(setting: string, problem: string): KeywatchError {
  return new KeywatchError(
    'KW_ERR_CONFIG_INVALID',
    `Invalid configuration: setting "${setting}" ${problem}`,
    {
      setting,
    },
  );
}

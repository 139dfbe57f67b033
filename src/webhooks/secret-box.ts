import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { KeywatchError } from '../errors.js';
import type { WebhookStore, WebhookSubscriptionRecord } from '../store/types.js';

/** Prefix of a sealed secret: `kwenc:v1:<key id>:<iv>:<ciphertext>:<tag>` (base64url parts). */
const SEALED_PREFIX = 'kwenc:v1:';
const KEY_BYTES = 32;
const IV_BYTES = 12;

/**
 * Encrypts webhook signing secrets for the store (AES-256-GCM), so that a copy of the database (a
 * backup, a dump, a read replica) does not hand out the keys that sign Keywatch's alerts. Each value
 * is bound to its subscription id (additional authenticated data): a sealed secret copied into
 * another row does not open. Values written before a key was configured are read as they are.
 */
export interface SecretBox {
  /** Whether a key is configured (else secrets are stored as given). */
  readonly enabled: boolean;
  seal(secret: string, subscriptionId: string): string;
  /** The secret, from a sealed or a clear stored value. */
  open(stored: string, subscriptionId: string): string;
  /** Whether a stored value is sealed with the current key (nothing to reseal). */
  isCurrent(stored: string): boolean;
}

interface Key {
  id: string;
  bytes: Buffer;
}

function invalid(setting: string, message: string): KeywatchError {
  return new KeywatchError(
    'KW_ERR_CONFIG_INVALID',
    `Invalid configuration: setting "${setting}" ${message}`,
    {
      setting,
    },
  );
}

/** A key from its text: 32 bytes as base64 (44 characters) or hex (64 characters). */
function parseKey(text: string, setting: string): Key {
  const trimmed = text.trim();
  let bytes: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) bytes = Buffer.from(trimmed, 'hex');
  else if (/^[A-Za-z0-9+/]{43}=$/.test(trimmed)) bytes = Buffer.from(trimmed, 'base64');
  if (bytes === undefined || bytes.length !== KEY_BYTES)
    throw invalid(setting, 'must be 32 random bytes in base64 or hex (openssl rand -base64 32)');
  // Names the key in sealed values without revealing anything about it.
  const id = createHash('sha256').update('keywatch webhook secrets key\n').update(bytes).digest('hex');
  return { id: id.slice(0, 12), bytes };
}

/**
 * The box for `webhooks.secretsKey` (empty: secrets stay as given), also opening values sealed with
 * one of `webhooks.previousSecretsKeys` (during a key change). A bad key stops start-up naming the
 * setting, never its value.
 *
 * @example
 * const box = createSecretBox(config.webhooks.secretsKey, config.webhooks.previousSecretsKeys);
 * const stored = box.seal(secret, subscription.id); // 'kwenc:v1:…'
 */
export function createSecretBox(keyText: string, previousKeyTexts: readonly string[] = []): SecretBox {
  const current = keyText === '' ? undefined : parseKey(keyText, 'webhooks.secretsKey');
  const keys = new Map<string, Key>();
  previousKeyTexts.forEach((text, index) => {
    const key = parseKey(text, `webhooks.previousSecretsKeys.${index}`);
    keys.set(key.id, key);
  });
  if (current !== undefined) keys.set(current.id, current);
  return {
    enabled: current !== undefined,
    seal(secret, subscriptionId) {
      if (current === undefined) return secret;
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', current.bytes, iv);
      cipher.setAAD(Buffer.from(subscriptionId, 'utf8'));
      const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
      const parts = [current.id, iv, sealed, cipher.getAuthTag()].map((part) =>
        typeof part === 'string' ? part : part.toString('base64url'),
      );
      return SEALED_PREFIX + parts.join(':');
    },
    open(stored, subscriptionId) {
      if (!stored.startsWith(SEALED_PREFIX)) return stored;
      const [keyId, iv, sealed, tag] = stored.slice(SEALED_PREFIX.length).split(':');
      const key = keyId === undefined ? undefined : keys.get(keyId);
      if (key === undefined || iv === undefined || sealed === undefined || tag === undefined) {
        throw invalid(
          'webhooks.secretsKey',
          current === undefined
            ? 'is not set, but the stored webhook secrets are encrypted: set the key they were encrypted with'
            : 'is not the key the stored webhook secrets were encrypted with (list the old key in webhooks.previousSecretsKeys)',
        );
      }
      try {
        const decipher = createDecipheriv('aes-256-gcm', key.bytes, Buffer.from(iv, 'base64url'));
        decipher.setAAD(Buffer.from(subscriptionId, 'utf8'));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(sealed, 'base64url')), decipher.final()]).toString(
          'utf8',
        );
      } catch {
        throw new KeywatchError(
          'KW_ERR_STORE',
          `The stored signing secret of webhook subscription ${subscriptionId} does not decrypt (altered, or moved from another subscription)`,
        );
      }
    },
    isCurrent(stored) {
      return current === undefined
        ? !stored.startsWith(SEALED_PREFIX)
        : stored.startsWith(`${SEALED_PREFIX}${current.id}:`);
    },
  };
}

function sealRecord(record: WebhookSubscriptionRecord, box: SecretBox): WebhookSubscriptionRecord {
  const sealed = { ...record, secret: box.seal(record.secret, record.id) };
  if (record.previousSecret !== undefined) sealed.previousSecret = box.seal(record.previousSecret, record.id);
  return sealed;
}

function openRecord(record: WebhookSubscriptionRecord, box: SecretBox): WebhookSubscriptionRecord {
  const opened = { ...record, secret: box.open(record.secret, record.id) };
  if (record.previousSecret !== undefined) opened.previousSecret = box.open(record.previousSecret, record.id);
  return opened;
}

/**
 * `store` with subscription secrets sealed on the way in and opened on the way out: everything above
 * it sees clear secrets, the database only sealed ones (once a key is configured).
 */
export function withSealedSecrets(store: WebhookStore, box: SecretBox): WebhookStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      switch (property) {
        case 'listSubscriptions':
          return async () => (await target.listSubscriptions()).map((record) => openRecord(record, box));
        case 'getSubscription':
          return async (id: string) => {
            const record = await target.getSubscription(id);
            return record === undefined ? undefined : openRecord(record, box);
          };
        case 'createSubscription':
          return (record: WebhookSubscriptionRecord) => target.createSubscription(sealRecord(record, box));
        case 'updateSubscription':
          return (record: WebhookSubscriptionRecord) => target.updateSubscription(sealRecord(record, box));
        default: {
          const value = Reflect.get(target, property, receiver);
          return typeof value === 'function' ? value.bind(target) : value;
        }
      }
    },
  });
}

/**
 * Brings the stored secrets to the current key: clear ones (written before a key was configured)
 * and ones sealed with a previous key are sealed again. Returns how many subscriptions it rewrote.
 * Without a key it changes nothing and returns how many are stored in clear (to warn about).
 */
export async function resealSecrets(store: WebhookStore, box: SecretBox): Promise<number> {
  let count = 0;
  for (const record of await store.listSubscriptions()) {
    const values =
      record.previousSecret === undefined ? [record.secret] : [record.secret, record.previousSecret];
    if (values.every((value) => box.isCurrent(value))) {
      if (!box.enabled) count++; // current without a key: in clear
      continue;
    }
    // Sealed, but no key is configured: reading them stops start-up with a message that says so.
    if (!box.enabled) continue;
    await store.updateSubscription(sealRecord(openRecord(record, box), box));
    count++;
  }
  return count;
}

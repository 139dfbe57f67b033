import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { overridesFromEnv } from '../../src/config/env.js';
import { loadConfig } from '../../src/config/load.js';
import type { Store } from '../../src/store/types.js';
import { generateSecret } from '../../src/webhooks/secret.js';
import { createSecretBox } from '../../src/webhooks/secret-box.js';
import { WebhookService } from '../../src/webhooks/service.js';
import { openHarnessStore, TEST_SECRETS_KEY, testWebhooksConfig } from './harness.js';

const OTHER_KEY = Buffer.alloc(32, 9).toString('hex');

describe('the webhook secret box', () => {
  const box = createSecretBox(TEST_SECRETS_KEY);

  it('seals a secret so that only its own subscription opens it, and leaves clear values readable', () => {
    const secret = generateSecret();
    const sealed = box.seal(secret, 'wh_1');
    expect(sealed).toMatch(/^kwenc:v1:[0-9a-f]{12}:/);
    expect(sealed).not.toContain(secret.slice(6));
    expect(box.seal(secret, 'wh_1')).not.toBe(sealed);
    expect(box.open(sealed, 'wh_1')).toBe(secret);
    expect(() => box.open(sealed, 'wh_2')).toThrow(/does not decrypt/);
    const flipped = sealed.slice(0, -3) + (sealed.at(-3) === 'A' ? 'B' : 'A') + sealed.slice(-2);
    expect(() => box.open(flipped, 'wh_1')).toThrow(/does not decrypt/);
    expect(box.open(secret, 'wh_1')).toBe(secret);
    expect(box.isCurrent(sealed)).toBe(true);
    expect(box.isCurrent(secret)).toBe(false);
  });

  it('opens values sealed with a previous key, and refuses them without it, naming the setting', () => {
    const sealed = createSecretBox(OTHER_KEY).seal('whsec_x', 'wh_1');
    expect(createSecretBox(TEST_SECRETS_KEY, [OTHER_KEY]).open(sealed, 'wh_1')).toBe('whsec_x');
    expect(box.isCurrent(sealed)).toBe(false);
    expect(() => box.open(sealed, 'wh_1')).toThrow(/"webhooks\.secretsKey" is not the key/);
    expect(() => createSecretBox('').open(sealed, 'wh_1')).toThrow(/"webhooks\.secretsKey" is not set/);
  });

  it('refuses a key that is not 32 bytes of base64 or hex, without repeating it', () => {
    for (const [key, previous, setting] of [
      ['too-short', [], 'webhooks.secretsKey'],
      [Buffer.alloc(16).toString('base64'), [], 'webhooks.secretsKey'],
      [TEST_SECRETS_KEY, ['zz'.repeat(32)], 'webhooks.previousSecretsKeys.0'],
    ] as const) {
      let failure: unknown;
      try {
        createSecretBox(key, previous);
      } catch (error) {
        failure = error;
      }
      expect(failure).toMatchObject({ code: 'KW_ERR_CONFIG_INVALID', details: { setting } });
      expect((failure as Error).message).not.toContain(previous[0] ?? key);
    }
  });

  it('reads KEYWATCH_WEBHOOK_SECRETS_KEY', () => {
    const config = loadConfig({ overrides: overridesFromEnv({ KEYWATCH_WEBHOOK_SECRETS_KEY: OTHER_KEY }) });
    expect(config.webhooks.secretsKey).toBe(OTHER_KEY);
  });
});

describe('webhook signing secrets in the store', () => {
  let opened: { store: Store; dispose(): Promise<void> } | undefined;

  afterEach(async () => {
    await opened?.dispose();
    opened = undefined;
  });

  async function service(secretsKey: string, previousSecretsKeys: string[] = []) {
    opened ??= await openHarnessStore();
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    const webhooks = await WebhookService.create({
      store: opened.store,
      config: testWebhooksConfig({ secretsKey, previousSecretsKeys }),
      logger,
    });
    return { webhooks, lines, stored: () => opened!.store.webhooks.listSubscriptions() };
  }

  it('are stored encrypted, and encrypted at start when they were stored in clear or with an older key', async () => {
    // Without a key: stored as given, and start-up says so.
    const clear = await service('');
    const { record, secret } = await clear.webhooks.subscriptions.create({ url: 'http://127.0.0.1:9/hook' });
    expect((await clear.stored())[0]!.secret).toBe(secret);
    const warned = await service('');
    expect(warned.lines.join('')).toContain('webhook signing secrets are stored unencrypted');

    // With a key: the clear secret is encrypted at start; the registry still signs with the secret.
    const sealed = await service(OTHER_KEY);
    const [row] = await sealed.stored();
    expect(row!.secret).toMatch(/^kwenc:v1:/);
    expect(JSON.stringify(row)).not.toContain(secret.slice(6));
    expect(sealed.lines.join('')).toContain('webhook signing secrets encrypted');
    await sealed.webhooks.subscriptions.refresh();
    expect(sealed.webhooks.subscriptions.cached(record.id)?.record.secret).toBe(secret);

    // A rotation stores both the new and the previous secret encrypted.
    const rotated = await sealed.webhooks.subscriptions.update(record.id, { rotateSecret: true });
    const [afterRotation] = await sealed.stored();
    expect(afterRotation!.secret).toMatch(/^kwenc:v1:/);
    expect(afterRotation!.previousSecret).toMatch(/^kwenc:v1:/);
    expect(JSON.stringify(afterRotation)).not.toContain(rotated.secret!.slice(6));

    // The wrong key stops start-up naming the setting; the old key listed as previous re-encrypts.
    await expect(service(TEST_SECRETS_KEY)).rejects.toMatchObject({
      code: 'KW_ERR_CONFIG_INVALID',
      message: expect.stringContaining('webhooks.secretsKey'),
    });
    await expect(service('')).rejects.toMatchObject({
      code: 'KW_ERR_CONFIG_INVALID',
      message: expect.stringContaining('"webhooks.secretsKey" is not set'),
    });
    const changed = await service(TEST_SECRETS_KEY, [OTHER_KEY]);
    const [reKeyed] = await changed.stored();
    expect(reKeyed!.secret).not.toBe(afterRotation!.secret);
    expect((await service(TEST_SECRETS_KEY)).webhooks.subscriptions.cached(record.id)?.record.secret).toBe(
      rotated.secret,
    );
  });
});

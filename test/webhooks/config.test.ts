import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { overridesFromEnv } from '../../src/config/env.js';
import { loadConfig } from '../../src/config/load.js';
import type { Store } from '../../src/store/types.js';
import { DEFAULT_RETRY_SCHEDULE_MS, type WebhooksConfig } from '../../src/webhooks/config.js';
import { generateSecret } from '../../src/webhooks/secret.js';
import { WebhookService } from '../../src/webhooks/service.js';
import { openHarnessStore, testWebhooksConfig } from './harness.js';

let opened: { store: Store; dispose(): Promise<void> } | undefined;

afterEach(async () => {
  await opened?.dispose();
  opened = undefined;
});

async function serviceWith(subscriptions: WebhooksConfig['subscriptions']) {
  opened ??= await openHarnessStore();
  return WebhookService.create({
    store: opened.store,
    config: testWebhooksConfig({ subscriptions }),
    logger: pino({ level: 'silent' }),
  });
}

describe('the webhooks configuration', () => {
  it('defaults to the Standard Webhooks retry schedule, a 10 s timeout and no internal network allowed', () => {
    const { webhooks } = loadConfig();
    expect(webhooks).toMatchObject({
      allowNetworks: [],
      timeoutMs: 10_000,
      retryScheduleMs: DEFAULT_RETRY_SCHEDULE_MS,
      subscriptions: [],
    });
    expect(DEFAULT_RETRY_SCHEDULE_MS).toEqual([0, 5e3, 3e5, 1.8e6, 7.2e6, 1.8e7, 3.6e7, 3.6e7]);
  });

  it('reads KEYWATCH_WEBHOOKS_ALLOW_NETWORKS as a comma-separated list', () => {
    const config = loadConfig({
      overrides: overridesFromEnv({ KEYWATCH_WEBHOOKS_ALLOW_NETWORKS: '127.0.0.0/8, 10.20.0.0/16,' }),
    });
    expect(config.webhooks.allowNetworks).toEqual(['127.0.0.0/8', '10.20.0.0/16']);
  });

  it('stops start-up naming the setting, not the secret, when a config subscription has a bad secret', async () => {
    const secret = `whsec_${Buffer.alloc(20, 3).toString('base64')}AAAA`;
    const failure = await serviceWith([{ url: 'http://127.0.0.1:9/a', secret }]).catch(
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({
      code: 'KW_ERR_CONFIG_INVALID',
      message: expect.stringContaining('"webhooks.subscriptions.0.secret"'),
    });
    expect(JSON.stringify(failure) + String((failure as Error).message)).not.toContain(secret.slice(6));
  });

  it('stops start-up when a config subscription points at an address the policy refuses', async () => {
    await expect(
      serviceWith([{ url: 'http://169.254.169.254/', secret: generateSecret() }]),
    ).rejects.toMatchObject({
      code: 'KW_ERR_CONFIG_INVALID',
      message: expect.stringContaining(
        '"webhooks.subscriptions.0.url" is not allowed: 169.254.169.254 is a link-local',
      ),
    });
  });

  it('keeps config subscriptions in step with the file: added, changed (re-enabled), removed', async () => {
    const secret = generateSecret();
    const first = await serviceWith([
      { id: 'soar', url: 'http://127.0.0.1:9/soar', secret },
      { url: 'http://127.0.0.1:9/slack', secret, format: 'slack' },
    ]);
    const records = (await first.subscriptions.list()).sort((left, right) =>
      left.format.localeCompare(right.format),
    );
    expect(records.map((record) => [record.id, record.source, record.format])).toEqual([
      [expect.stringMatching(/^cfg-[0-9a-f]{16}$/), 'config', 'slack'],
      ['soar', 'config', 'standard'],
    ]);
    await opened!.store.webhooks.disableSubscription('soar', 'gone', new Date().toISOString());

    // Same file: the automatic disabling stays.
    await serviceWith([
      { id: 'soar', url: 'http://127.0.0.1:9/soar', secret },
      { url: 'http://127.0.0.1:9/slack', secret, format: 'slack' },
    ]);
    expect((await opened!.store.webhooks.getSubscription('soar'))?.disabledReason).toBe('gone');

    // Changed entry (new secret): updated, re-enabled, the old secret still signing; removed entry: gone.
    const rotated = generateSecret();
    const third = await serviceWith([{ id: 'soar', url: 'http://127.0.0.1:9/soar', secret: rotated }]);
    const [soar, ...others] = await third.subscriptions.list();
    expect(others).toEqual([]);
    expect(soar).toMatchObject({ id: 'soar', secret: rotated, previousSecret: secret });
    expect(soar?.disabledReason).toBeUndefined();
    expect(third.subscriptions.cached('soar')?.signingKeys(Date.now())).toHaveLength(2);
  });
});

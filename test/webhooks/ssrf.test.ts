import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAddressPolicy } from '../../src/webhooks/address-policy.js';
import { createSender } from '../../src/webhooks/sender.js';
import { errorOf } from '../api/helper.js';
import { type Harness, startHarness } from './harness.js';
import { type Receiver, startReceiver } from './receiver.js';

/**
 * The SSRF suite: each URL names an internal address (several on the port of a live receiver on
 * 127.0.0.1 that counts TCP connections), and webhooks.allowNetworks allows none of them.
 */
function suite(port: number): Array<[string, string]> {
  return [
    [`http://127.0.0.1:${port}/hook`, 'loopback'],
    [`http://10.0.0.1:${port}/hook`, 'private'],
    [`http://172.16.0.1:${port}/hook`, 'private'],
    [`http://192.168.0.1:${port}/hook`, 'private'],
    ['http://169.254.169.254/latest/meta-data/iam/security-credentials/', 'link-local'],
    [`http://[::1]:${port}/hook`, 'loopback'],
    [`http://[::ffff:127.0.0.1]:${port}/hook`, 'loopback'],
    [`http://0x7f000001:${port}/hook`, 'loopback'],
    [`http://2130706433:${port}/hook`, 'loopback'],
    [`http://0177.0.0.1:${port}/hook`, 'loopback'],
    [`http://127.1:${port}/hook`, 'loopback'],
    [`http://localhost:${port}/hook`, 'loopback'],
  ];
}

let target: Receiver;

beforeAll(async () => {
  target = await startReceiver();
});

afterAll(async () => {
  await target.close();
});

describe('the SSRF suite', () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness({ deliver: false, webhooks: { allowNetworks: ['203.0.113.0/24'] } });
  });

  afterAll(async () => {
    await harness.close();
  });

  it('refuses every internal URL when a subscription is saved, without connecting', async () => {
    for (const [url, kind] of suite(target.port)) {
      const response = await harness.as('admin', { method: 'POST', url: '/v1/webhooks', payload: { url } });
      expect(response.statusCode, url).toBe(400);
      expect(errorOf(response).code).toBe('KW_ERR_BAD_REQUEST');
      expect(errorOf(response).message, url).toContain(kind);
    }
    expect(await harness.store.webhooks.listSubscriptions()).toEqual([]);
    expect(target.connections).toBe(0);
  });

  it('refuses them again at connect time, before any TCP connection', async () => {
    const sender = createSender({ policy: createAddressPolicy([]), timeoutMs: 2000, maxSocketsPerHost: 2 });
    const connect = vi.spyOn(net.Socket.prototype, 'connect');
    try {
      for (const [url, kind] of suite(target.port)) {
        const response = await sender.send({ url, headers: {}, body: '{}' });
        expect(response.statusCode, url).toBeNull();
        expect(response.error, url).toMatch(/^refused/);
        expect(response.error, url).toContain(kind);
      }
      // Only the name (localhost) got as far as a socket, whose lookup refused the addresses.
      expect(connect).toHaveBeenCalledTimes(1);
    } finally {
      connect.mockRestore();
      sender.close();
    }
    expect(target.connections).toBe(0);
  });

  it('does connect when allowNetworks covers the address (the receiver works)', async () => {
    const sender = createSender({
      policy: createAddressPolicy(['127.0.0.0/8']),
      timeoutMs: 2000,
      maxSocketsPerHost: 2,
    });
    try {
      const response = await sender.send({ url: target.url, headers: {}, body: '{}' });
      expect(response.statusCode).toBe(204);
    } finally {
      sender.close();
    }
    expect(target.connections).toBe(1);
  });
});

import { describe, expect, it } from 'vitest';
import { createAddressPolicy } from '../../src/webhooks/address-policy.js';
import { checkWebhookUrl, validateWebhookUrl } from '../../src/webhooks/url-policy.js';

const strict = createAddressPolicy([]);

describe('webhook URL checks', () => {
  it.each([
    ['http://127.0.0.1/hook', 'loopback'],
    ['http://0x7f000001/hook', 'loopback'],
    ['http://2130706433/hook', 'loopback'],
    ['http://0177.0.0.1/hook', 'loopback'],
    ['http://127.1/hook', 'loopback'],
    ['http://[::1]:8080/hook', 'loopback'],
    ['http://[::ffff:127.0.0.1]/hook', 'loopback'],
    ['http://[::ffff:7f00:1]/hook', 'loopback'],
    ['http://10.0.0.5/hook', 'private'],
    ['http://172.16.4.4/hook', 'private'],
    ['http://192.168.0.10/hook', 'private'],
    ['http://169.254.169.254/latest/meta-data/', 'link-local'],
    ['http://0/hook', 'unspecified'],
  ])('refuses %s (an IP-address host) without resolving anything', (url, kind) => {
    expect(() => checkWebhookUrl(url, strict)).toThrowError(
      expect.objectContaining({ code: 'KW_ERR_BAD_REQUEST', message: expect.stringContaining(kind) }),
    );
  });

  it.each([
    ['ftp://example.com/hook', 'http or https'],
    ['file:///etc/passwd', 'http or https'],
    ['gopher://example.com/', 'http or https'],
    ['https://user:pw@example.com/hook', 'credentials'],
    ['https://example.com/hook#x', 'fragment'],
    ['not a url', 'not a valid URL'],
    [`https://example.com/${'a'.repeat(2100)}`, 'at most'],
  ])('refuses %s', (url, why) => {
    expect(() => checkWebhookUrl(url, strict)).toThrowError(
      expect.objectContaining({ message: expect.stringContaining(why) }),
    );
  });

  it('accepts a public address, keeping the parsed URL', () => {
    const target = checkWebhookUrl('https://93.184.215.14:8443/hooks?x=1', strict);
    expect(target).toMatchObject({ host: '93.184.215.14', ip: '93.184.215.14' });
    expect(target.url.port).toBe('8443');
  });

  it('refuses a name that resolves to a loopback address when the subscription is saved', async () => {
    await expect(validateWebhookUrl('http://localhost:9/hook', strict)).rejects.toMatchObject({
      code: 'KW_ERR_BAD_REQUEST',
      message: expect.stringContaining('loopback'),
    });
  });

  it('refuses a name that does not resolve', async () => {
    await expect(validateWebhookUrl('http://no-such-host.invalid/hook', strict)).rejects.toMatchObject({
      message: expect.stringContaining('does not resolve'),
    });
  });

  it('accepts loopback names and addresses that allowNetworks allows', async () => {
    const policy = createAddressPolicy(['127.0.0.0/8', '::1/128']);
    await expect(validateWebhookUrl('http://localhost:9/hook', policy)).resolves.toMatchObject({
      host: 'localhost',
    });
    expect(checkWebhookUrl('http://0x7f000001/hook', policy).ip).toBe('127.0.0.1');
  });
});

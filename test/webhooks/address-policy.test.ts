import { describe, expect, it } from 'vitest';
import { createAddressPolicy } from '../../src/webhooks/address-policy.js';

const strict = createAddressPolicy([]);

describe('the SSRF address policy', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.254', 'private'],
    ['192.168.1.1', 'private'],
    ['fd00:ec2::254', 'private'],
    ['fc00::1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['fe80::1', 'link-local'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.100.100.200', 'carrier-grade NAT'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['192.0.2.1', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['::127.0.0.1', 'reserved'],
    ['2002:7f00:1::1', 'reserved'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['64:ff9b::a00:1', 'private'],
  ])('refuses %s as %s', (address, kind) => {
    expect(strict.refusal(address)).toContain(kind);
  });

  it.each([
    '93.184.215.14',
    '81.2.69.160',
    '172.32.0.1',
    '100.128.0.1',
    '2a00:1450:4001::1',
    '64:ff9b::5db8:d70e',
  ])('lets %s through (public internet)', (address) => {
    expect(strict.refusal(address)).toBeUndefined();
  });

  it('refuses anything that is not a canonical IP address rather than guessing', () => {
    for (const text of ['0x7f000001', '2130706433', '0177.0.0.1', '127.1', 'localhost', '[::1]']) {
      expect(strict.refusal(text)).toContain('not an IP address');
    }
  });

  it('lets allowNetworks open internal ranges, and only those', () => {
    const policy = createAddressPolicy(['127.0.0.0/8', '10.20.0.0/16']);
    expect(policy.refusal('127.0.0.1')).toBeUndefined();
    expect(policy.refusal('::ffff:127.0.0.1')).toBeUndefined();
    expect(policy.refusal('10.20.3.4')).toBeUndefined();
    expect(policy.refusal('10.21.0.1')).toContain('private');
    expect(policy.refusal('::1')).toContain('loopback');
  });

  it('stops start-up naming webhooks.allowNetworks for a bad range', () => {
    expect(() => createAddressPolicy(['10.0.0.0/33'])).toThrowError(
      expect.objectContaining({
        code: 'KW_ERR_CONFIG_INVALID',
        message: expect.stringContaining('webhooks.allowNetworks'),
      }),
    );
  });
});

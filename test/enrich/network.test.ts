import { describe, expect, it } from 'vitest';
import {
  createCidrMatcher,
  formatIpv6,
  intToIpv4,
  ipv4ToInt,
  isValidIp,
  parseIp,
} from '../../src/enrich/network.js';
import { isKeywatchError } from '../../src/errors.js';
import type { IpKind } from '../../src/events/types.js';

describe('parseIp', () => {
  it.each<[string, 4 | 6, string, string]>([
    ['81.2.69.160', 4, '81.2.69.160', '81.2.69.0/24'],
    ['0.0.0.0', 4, '0.0.0.0', '0.0.0.0/24'],
    ['255.255.255.255', 4, '255.255.255.255', '255.255.255.0/24'],
    ['::ffff:81.2.69.160', 4, '81.2.69.160', '81.2.69.0/24'],
    ['::FFFF:81.2.69.160', 4, '81.2.69.160', '81.2.69.0/24'],
    ['0:0:0:0:0:ffff:5102:45a0', 4, '81.2.69.160', '81.2.69.0/24'],
    ['2a00:1450:4001:82a::200e', 6, '2a00:1450:4001:82a::200e', '2a00:1450:4001::/48'],
    ['2A00:1450:4001:082A:0000:0000:0000:200E', 6, '2a00:1450:4001:82a::200e', '2a00:1450:4001::/48'],
    ['2001:db8:0:0:1:0:0:1', 6, '2001:db8::1:0:0:1', '2001:db8::/48'],
    ['2001:db8:0:1:1:1:1:1', 6, '2001:db8:0:1:1:1:1:1', '2001:db8::/48'],
    ['2001:0:0:1::1', 6, '2001:0:0:1::1', '2001::/48'],
    ['1::', 6, '1::', '1::/48'],
    ['::', 6, '::', '::/48'],
    ['::1', 6, '::1', '::/48'],
    ['1:2:3:4:5:6:7::', 6, '1:2:3:4:5:6:7:0', '1:2:3::/48'],
    ['::2:3:4:5:6:7:8', 6, '0:2:3:4:5:6:7:8', '0:2:3::/48'],
    ['64:ff9b::192.0.2.33', 6, '64:ff9b::c000:221', '64:ff9b::/48'],
  ])('reads %s as IPv%i %s in %s', (text, version, normalized, network) => {
    expect(parseIp(text)).toMatchObject({ version, normalized, network });
  });

  it.each([
    ['an empty string', ''],
    ['a hostname', 'localhost'],
    ['three parts', '127.1'],
    ['a part over 255', '256.1.1.1'],
    ['a leading zero', '010.0.0.1'],
    ['hex', '0x7f000001'],
    ['decimal', '2130706433'],
    ['hex parts', '0x7f.0.0.1'],
    ['a trailing dot', '1.2.3.4.'],
    ['five parts', '1.2.3.4.5'],
    ['leading space', ' 1.2.3.4'],
    ['trailing newline', '1.2.3.4\n'],
    ['a port', '1.2.3.4:80'],
    ['brackets', '[::1]'],
    ['a zone', 'fe80::1%eth0'],
    ['two gaps', '1::2::3'],
    ['nine groups', '1:2:3:4:5:6:7:8:9'],
    ['a gap with eight groups', '1:2:3:4:5:6:7::8'],
    ['seven groups', '1:2:3:4:5:6:7'],
    ['a five-digit group', '12345::1'],
    ['a single leading colon', ':1:2:3:4:5:6:7'],
    ['a single trailing colon', '1:2:3:4:5:6:7:'],
    ['a triple colon', ':::1'],
    ['a bad hex digit', '2001:db8::g'],
    ['an IPv4 tail too early', '1:2:3:4:5:1.2.3.4'],
    ['an IPv4 tail too late', '1:2:3:4:5:6:7:1.2.3.4'],
    ['a bad IPv4 tail', '::ffff:1.2.3'],
    ['too long', `${'1:'.repeat(30)}1`],
  ])('refuses %s', (_name, text) => {
    expect(parseIp(text)).toBeNull();
    expect(isValidIp(text)).toBe(false);
  });

  it.each<[string, IpKind]>([
    ['8.8.8.8', 'public'],
    ['81.2.69.160', 'public'],
    ['9.255.255.255', 'public'],
    ['10.0.0.0', 'private'],
    ['10.255.255.255', 'private'],
    ['11.0.0.0', 'public'],
    ['172.15.255.255', 'public'],
    ['172.16.0.0', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.0', 'public'],
    ['192.168.0.1', 'private'],
    ['192.169.0.1', 'public'],
    ['100.63.255.255', 'public'],
    ['100.64.0.0', 'private'],
    ['100.127.255.255', 'private'],
    ['100.128.0.0', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.255', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['169.253.0.1', 'public'],
    ['0.0.0.0', 'reserved'],
    ['0.255.255.255', 'reserved'],
    ['192.0.0.8', 'reserved'],
    ['192.0.1.1', 'public'],
    ['192.0.2.1', 'reserved'],
    ['198.17.255.255', 'public'],
    ['198.18.0.1', 'reserved'],
    ['198.19.255.255', 'reserved'],
    ['198.20.0.0', 'public'],
    ['198.51.100.7', 'reserved'],
    ['198.51.101.7', 'public'],
    ['203.0.113.7', 'reserved'],
    ['203.0.114.7', 'public'],
    ['223.255.255.255', 'public'],
    ['224.0.0.1', 'reserved'],
    ['239.255.255.255', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['::ffff:10.1.2.3', 'private'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:8.8.8.8', 'public'],
    ['2a00:1450:4001:82a::200e', 'public'],
    ['2001:4860:4860::8888', 'public'],
    ['fc00::1', 'private'],
    ['fdff:ffff::1', 'private'],
    ['fe00::1', 'public'],
    ['fe80::1', 'link-local'],
    ['febf:ffff::1', 'link-local'],
    ['fec0::1', 'public'],
    ['::1', 'loopback'],
    ['::', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['2001:db8:ffff::1', 'reserved'],
    ['2001:db9::1', 'public'],
    ['ff02::1', 'reserved'],
  ])('classes %s as %s', (text, kind) => {
    expect(parseIp(text)?.kind).toBe(kind);
  });

  it('exposes the address bits as four words, IPv4 in the mapped form', () => {
    expect(parseIp('1.2.3.4')?.words).toEqual([0, 0, 0xffff, 0x01020304]);
    expect(parseIp('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff')?.words).toEqual([
      0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff,
    ]);
  });
});

describe('IPv4 helpers', () => {
  it('converts between dotted quads and uint32', () => {
    expect(ipv4ToInt('192.168.0.1')).toBe(3_232_235_521);
    expect(ipv4ToInt('255.255.255.255')).toBe(4_294_967_295);
    expect(ipv4ToInt('1.2.3')).toBeNull();
    expect(intToIpv4(3_232_235_521)).toBe('192.168.0.1');
    expect(intToIpv4(4_294_967_295)).toBe('255.255.255.255');
  });

  it('formats IPv6 per RFC 5952, compressing the first of equal zero runs', () => {
    expect(formatIpv6([1, 0, 0, 2, 0, 0, 3, 4])).toBe('1::2:0:0:3:4');
    expect(formatIpv6([1, 0, 2, 3, 4, 5, 6, 7])).toBe('1:0:2:3:4:5:6:7');
    expect(formatIpv6([0, 0, 0, 0, 0, 0, 0, 0])).toBe('::');
  });
});

describe('createCidrMatcher', () => {
  const matches = createCidrMatcher([
    '10.0.0.0/8',
    '192.168.1.7',
    '81.2.69.160/27',
    '81.2.69.192/27',
    '2001:db8::/32',
    '2a00:1450:4001::/48',
    '::ffff:172.16.0.0/108',
    '0.0.0.0/32',
  ]);

  it.each([
    ['10.0.0.0', true],
    ['10.255.255.255', true],
    ['11.0.0.0', false],
    ['9.255.255.255', false],
    ['192.168.1.7', true],
    ['192.168.1.8', false],
    ['81.2.69.159', false],
    ['81.2.69.160', true],
    ['81.2.69.223', true],
    ['81.2.69.224', false],
    ['::ffff:10.1.1.1', true],
    ['172.16.0.1', true],
    ['172.31.255.255', true],
    ['172.32.0.0', false],
    ['0.0.0.0', true],
    ['0.0.0.1', false],
    ['2001:db8::1', true],
    ['2001:db8:ffff:ffff::', true],
    ['2001:db9::', false],
    ['2a00:1450:4001:ffff::1', true],
    ['2a00:1450:4002::1', false],
    ['not an ip', false],
  ])('says %s is %s', (ip, expected) => {
    expect(matches(ip)).toBe(expected);
    const parsed = parseIp(ip);
    if (parsed !== null) expect(matches(parsed)).toBe(expected);
  });

  it('ignores host bits after the prefix and accepts /0', () => {
    expect(createCidrMatcher(['10.9.9.9/8'])('10.200.0.1')).toBe(true);
    expect(createCidrMatcher(['0.0.0.0/0'])('255.255.255.255')).toBe(true);
    expect(createCidrMatcher(['0.0.0.0/0'])('2001:db8::1')).toBe(false);
    expect(createCidrMatcher(['::/0'])('2001:db8::1')).toBe(true);
    expect(createCidrMatcher(['::/0'])('8.8.8.8')).toBe(false);
    expect(createCidrMatcher(['2001:db8::1/127'])('2001:db8::')).toBe(true);
    expect(createCidrMatcher(['2001:db8::1/128'])('2001:db8::')).toBe(false);
    expect(createCidrMatcher([])('8.8.8.8')).toBe(false);
  });

  it.each([
    ['10.0.0.0/33', /at most 32/],
    ['2001:db8::/129', /at most 128/],
    ['10.0.0.0/', /prefix length must be a number/],
    ['10.0.0.0/08', /prefix length must be a number/],
    ['10.0.0.0/-1', /prefix length must be a number/],
    ['10.0.0/8', /not a valid IPv4 or IPv6 address/],
    ['example.com/24', /not a valid IPv4 or IPv6 address/],
    ['::ffff:10.0.0.0/95', /at least 96/],
  ])('refuses %s with a coded error naming it', (cidr, why) => {
    let thrown: unknown;
    try {
      createCidrMatcher(['10.0.0.0/8', cidr]);
    } catch (error) {
      thrown = error;
    }
    expect(isKeywatchError(thrown)).toBe(true);
    expect((thrown as { code: string }).code).toBe('KW_ERR_INVALID_CIDR');
    expect((thrown as Error).message).toContain(JSON.stringify(cidr));
    expect((thrown as Error).message).toMatch(why);
  });
});

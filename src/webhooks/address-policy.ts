import {
  cidrMatcherOfSetting,
  createCidrMatcher,
  intToIpv4,
  type ParsedIp,
  parseIp,
} from '../enrich/network.js';

/**
 * Address ranges webhooks never reach unless allowed: everything that is not the public internet. An
 * IPv4-mapped IPv6 address (`::ffff:127.0.0.1`) is its IPv4 address here, and NAT64 addresses
 * (`64:ff9b::7f00:1`) are judged by the IPv4 address they embed.
 */
const REFUSED_RANGES: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['an unspecified address', ['0.0.0.0/8', '::/128']],
  ['a loopback address', ['127.0.0.0/8', '::1/128']],
  ['a private address', ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7', 'fec0::/10']],
  ['a carrier-grade NAT address', ['100.64.0.0/10']],
  ['a link-local address (cloud metadata services live here)', ['169.254.0.0/16', 'fe80::/10']],
  ['a multicast address', ['224.0.0.0/4', 'ff00::/8']],
  ['a broadcast or reserved address', ['240.0.0.0/4']],
  [
    'a reserved address',
    [
      '192.0.0.0/24',
      '192.0.2.0/24',
      '192.88.99.0/24',
      '198.18.0.0/15',
      '198.51.100.0/24',
      '203.0.113.0/24',
      '::/96',
      '64:ff9b:1::/48',
      '100::/64',
      '2001::/23',
      '2001:db8::/32',
      '2002::/16',
    ],
  ],
];

const NAT64 = createCidrMatcher(['64:ff9b::/96']);

/** Decides which resolved addresses webhooks may connect to. */
export interface AddressPolicy {
  /** Why `address` may not be reached (e.g. "127.0.0.1 is a loopback address"), or undefined. */
  refusal(address: string): string | undefined;
}

/**
 * Compiles the SSRF policy: private, loopback, link-local, multicast, CGNAT, unspecified, reserved and
 * documentation ranges are refused, unless one of `allowNetworks` contains the address.
 *
 * @throws KeywatchError KW_ERR_CONFIG_INVALID naming `webhooks.allowNetworks` for a bad range.
 * @example
 * const policy = createAddressPolicy(['127.0.0.0/8']);
 * policy.refusal('127.0.0.1'); // undefined
 * policy.refusal('10.1.2.3'); // '10.1.2.3 is a private address'
 */
export function createAddressPolicy(allowNetworks: readonly string[]): AddressPolicy {
  const allowed = cidrMatcherOfSetting(allowNetworks, 'webhooks.allowNetworks');
  const refused = REFUSED_RANGES.map(([reason, ranges]) => [reason, createCidrMatcher(ranges)] as const);
  const reasonOf = (ip: ParsedIp): string | undefined => {
    for (const [reason, matches] of refused) if (matches(ip)) return reason;
    return undefined;
  };
  return {
    refusal(address) {
      const ip = parseIp(address);
      if (ip === null) return `${JSON.stringify(address.slice(0, 64))} is not an IP address`;
      if (allowed(ip)) return undefined;
      const reason = reasonOf(ip);
      if (reason !== undefined) return `${ip.normalized} is ${reason}`;
      if (ip.version === 6 && NAT64(ip)) {
        const embedded = parseIp(intToIpv4(ip.words[3]))!;
        if (allowed(embedded)) return undefined;
        const embeddedReason = reasonOf(embedded);
        if (embeddedReason !== undefined)
          return `${ip.normalized} maps to ${embedded.normalized}, ${embeddedReason}`;
      }
      return undefined;
    },
  };
}

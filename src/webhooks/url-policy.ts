import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { parseIp } from '../enrich/network.js';
import { KeywatchError } from '../errors.js';
import type { AddressPolicy } from './address-policy.js';

/** A webhook URL that passed the syntactic checks. */
export interface WebhookTarget {
  url: URL;
  /** The host without IPv6 brackets. */
  host: string;
  /** Set when the host is an IP address (the URL parser already turned 0x7f000001, 2130706433,
   * 0177.0.0.1 and 127.1 into 127.0.0.1). */
  ip?: string;
}

const MAX_URL_LENGTH = 2048;
const RESOLVE_TIMEOUT_MS = 5000;

function refused(message: string): KeywatchError {
  return new KeywatchError('KW_ERR_BAD_REQUEST', `body.url ${message}`, { field: 'url' });
}

/**
 * Parses a webhook URL and checks what can be checked without DNS: http or https only, no
 * credentials, no fragment, and an IP-address host must be allowed by the policy.
 *
 * @throws KeywatchError KW_ERR_BAD_REQUEST naming `body.url` and why.
 * @example
 * checkWebhookUrl('http://0x7f000001/hook', policy); // throws: 127.0.0.1 is a loopback address
 */
export function checkWebhookUrl(text: string, policy: AddressPolicy): WebhookTarget {
  if (typeof text !== 'string' || text.length === 0 || text.length > MAX_URL_LENGTH) {
    throw refused(`must be a URL of at most ${MAX_URL_LENGTH} characters`);
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw refused('is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw refused('must use http or https');
  if (url.username !== '' || url.password !== '') {
    throw refused('must not carry credentials (use the signature to authenticate Keywatch)');
  }
  if (url.hash !== '') throw refused('must not have a fragment');
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (host === '') throw refused('has no host');
  const target: WebhookTarget = { url, host };
  if (parseIp(host) !== null) {
    const refusal = policy.refusal(host);
    if (refusal !== undefined) throw refused(notAllowed(refusal));
    target.ip = host;
  }
  return target;
}

function notAllowed(refusal: string): string {
  return `is not allowed: ${refusal}, which webhooks may not reach (unless webhooks.allowNetworks allows it)`;
}

/**
 * The full check when a subscription is saved: `checkWebhookUrl`, then every address the host name
 * resolves to must be allowed. The same check runs again on every connection (see `guardedLookup`),
 * so a name that later resolves elsewhere (DNS rebinding) is still refused.
 */
export async function validateWebhookUrl(text: string, policy: AddressPolicy): Promise<WebhookTarget> {
  const target = checkWebhookUrl(text, policy);
  if (target.ip !== undefined) return target;
  let addresses: LookupAddress[];
  try {
    addresses = await resolveWithTimeout(target.host);
  } catch {
    throw refused(`has a host name that does not resolve (${JSON.stringify(target.host.slice(0, 253))})`);
  }
  for (const { address } of addresses) {
    const refusal = policy.refusal(address);
    if (refusal !== undefined) throw refused(`resolves to ${notAllowed(refusal)}`);
  }
  return target;
}

function resolveWithTimeout(host: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('DNS timeout')), RESOLVE_TIMEOUT_MS);
    dnsLookup(host, { all: true, verbatim: true }, (error, addresses) => {
      clearTimeout(timer);
      if (error) reject(error);
      else if (addresses.length === 0) reject(new Error('no address'));
      else resolve(addresses);
    });
  });
}

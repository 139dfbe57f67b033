import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import type { AddressPolicy } from './address-policy.js';

/** A connection refused by the SSRF policy; the delivery attempt fails with this message. */
export class RefusedAddressError extends Error {
  readonly code = 'ERR_WEBHOOK_ADDRESS_REFUSED';

  constructor(refusal: string) {
    super(`refused to connect: ${refusal}`);
    this.name = 'RefusedAddressError';
  }
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for `http.request` / `net.connect` that resolves the name and refuses the connection
 * unless EVERY address it resolves to is allowed: checking at connect time, on the addresses actually
 * used, is what defeats DNS rebinding (a name that was public when the subscription was saved).
 * Works in both of Node's calling modes (one address, or `all` for happy-eyeballs).
 */
export function guardedLookup(policy: AddressPolicy) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) {
        callback(error, '');
        return;
      }
      for (const { address } of addresses) {
        const refusal = policy.refusal(address);
        if (refusal !== undefined) {
          callback(new RefusedAddressError(refusal), '');
          return;
        }
      }
      const first = addresses[0];
      if (first === undefined) {
        callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '');
        return;
      }
      if (options.all) callback(null, addresses);
      else callback(null, first.address, first.family);
    });
  };
}

import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { isKeywatchError } from '../errors.js';
import type { AddressPolicy } from './address-policy.js';
import { guardedLookup, RefusedAddressError } from './guarded-lookup.js';
import { parseRetryAfter } from './retry-schedule.js';
import { checkWebhookUrl } from './url-policy.js';

/** One signed POST to make. */
export interface DeliveryRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** What came of it: a status (any, success is decided by the caller) or an error, and the time taken. */
export interface DeliveryResponse {
  statusCode: number | null;
  /** From a Retry-After header, in ms from now. */
  retryAfterMs?: number;
  error: string | null;
  durationMs: number;
}

export interface Sender {
  send(request: DeliveryRequest): Promise<DeliveryResponse>;
  /** Closes idle keep-alive connections. */
  close(): void;
}

export interface SenderOptions {
  policy: AddressPolicy;
  /** The whole attempt, connection included, must answer within this time. */
  timeoutMs: number;
  /** Connections kept per host (the per-endpoint concurrency). */
  maxSocketsPerHost: number;
  userAgent?: string;
}

/** Response bytes read (and dropped) before the connection is cut: nobody needs a receiver's page. */
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * The HTTP client of webhook deliveries: keep-alive connections per endpoint, redirects never followed
 * (a 3xx is a failed attempt), every connection's addresses checked by the SSRF policy at connect time
 * (IP-literal hosts before connecting, names in `lookup`), and a hard timeout over the whole attempt.
 *
 * @example
 * const sender = createSender({ policy, timeoutMs: 10_000, maxSocketsPerHost: 8 });
 * const { statusCode } = await sender.send({ url, headers, body });
 */
export function createSender(options: SenderOptions): Sender {
  const lookup = guardedLookup(options.policy);
  const agentOptions = {
    keepAlive: true,
    maxSockets: options.maxSocketsPerHost,
    scheduling: 'lifo' as const,
  };
  const httpAgent = new http.Agent(agentOptions);
  const httpsAgent = new https.Agent(agentOptions);
  const userAgent = options.userAgent ?? 'Keywatch-Webhooks/1.0';

  function send(request: DeliveryRequest): Promise<DeliveryResponse> {
    const started = performance.now();
    const elapsed = () => performance.now() - started;
    let target: URL;
    try {
      target = checkWebhookUrl(request.url, options.policy).url;
    } catch (error) {
      const message = isKeywatchError(error)
        ? error.message.replace(/^body\.url /, 'the URL ')
        : String(error);
      return Promise.resolve({ statusCode: null, error: `refused: ${message}`, durationMs: elapsed() });
    }
    return new Promise((resolve) => {
      let settled = false;
      const finish = (response: Omit<DeliveryResponse, 'durationMs'>) => {
        if (settled) return;
        settled = true;
        resolve({ ...response, durationMs: elapsed() });
      };
      const secure = target.protocol === 'https:';
      const outgoing = (secure ? https : http).request(
        target,
        {
          method: 'POST',
          agent: secure ? httpsAgent : httpAgent,
          lookup,
          headers: {
            ...request.headers,
            'content-type': 'application/json',
            'content-length': String(Buffer.byteLength(request.body)),
            'user-agent': userAgent,
          },
        },
        (response) => {
          const statusCode = response.statusCode ?? null;
          const retryAfterMs = parseRetryAfter(response.headers['retry-after'], Date.now());
          finish({
            statusCode,
            error:
              statusCode !== null && statusCode >= 300 && statusCode < 400 ? 'redirect not followed' : null,
            ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
          });
          // The answer is known; the body is only drained so the connection can be reused.
          let bytes = 0;
          response.on('data', (chunk: Buffer) => {
            bytes += chunk.length;
            if (bytes > MAX_RESPONSE_BYTES) outgoing.destroy();
          });
          response.on('end', () => clearTimeout(timer));
          response.on('error', () => clearTimeout(timer));
        },
      );
      const timer = setTimeout(() => {
        outgoing.destroy(new Error(`no answer within ${options.timeoutMs} ms`));
      }, options.timeoutMs);
      outgoing.on('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        finish({ statusCode: null, error: describeError(error) });
      });
      outgoing.on('close', () => clearTimeout(timer));
      outgoing.end(request.body);
    });
  }

  return {
    send,
    close() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}

function describeError(error: NodeJS.ErrnoException): string {
  if (error instanceof RefusedAddressError) return error.message;
  const code = error.code && !error.message.includes(error.code) ? `${error.code}: ` : '';
  return `${code}${error.message}`.slice(0, 500);
}

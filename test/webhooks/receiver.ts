import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a receiver got. */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  receivedAt: number;
}

/** How a receiver answers its n-th request (0-based). */
export type Responder = (
  request: ReceivedRequest,
  index: number,
) =>
  | { status: number; headers?: Record<string, string>; delayMs?: number }
  | Promise<{ status: number; headers?: Record<string, string> }>;

/** A real HTTP server on 127.0.0.1 that records what it gets and counts TCP connections. */
export interface Receiver {
  url: string;
  port: number;
  requests: ReceivedRequest[];
  /** TCP connections accepted (0 proves nothing connected). */
  readonly connections: number;
  /** Requests being handled right now, and the most at once. */
  readonly inFlight: number;
  readonly maxInFlight: number;
  respond: Responder;
  /** Resolves once `count` requests arrived (or rejects after `timeoutMs`). */
  waitForRequests(count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

/** Starts a receiver answering 204 unless `respond` says otherwise. */
export async function startReceiver(respond: Responder = () => ({ status: 204 })): Promise<Receiver> {
  let connections = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const receiver: Receiver = {
    url: '',
    port: 0,
    requests: [],
    get connections() {
      return connections;
    },
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    respond,
    waitForRequests(count, timeoutMs = 10_000) {
      if (receiver.requests.length >= count) return Promise.resolve(receiver.requests);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(`receiver got ${receiver.requests.length} of ${count} requests in ${timeoutMs} ms`),
            ),
          timeoutMs,
        );
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve(receiver.requests);
          },
        });
      });
    },
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
  const server: Server = createServer(async (request, response) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const received: ReceivedRequest = {
      method: request.method ?? '',
      path: request.url ?? '',
      headers: request.headers,
      body: Buffer.concat(chunks).toString('utf8'),
      receivedAt: Date.now(),
    };
    const index = receiver.requests.length;
    receiver.requests.push(received);
    const answer = await receiver.respond(received, index);
    const delay = (answer as { delayMs?: number }).delayMs;
    if (delay !== undefined) await new Promise((resolve) => setTimeout(resolve, delay));
    response.writeHead(answer.status, answer.headers ?? {});
    response.end();
    inFlight--;
    for (const waiter of waiters.splice(0)) {
      if (receiver.requests.length >= waiter.count) waiter.resolve();
      else waiters.push(waiter);
    }
  });
  server.on('connection', () => {
    connections++;
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  receiver.port = (server.address() as AddressInfo).port;
  receiver.url = `http://127.0.0.1:${receiver.port}/hook`;
  return receiver;
}

import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { generateSecret } from '../../src/webhooks/secret.js';
import { buildTestApp, makeAlert, seedAlerts, type TestApp } from './helper.js';
import {
  encodeForUrl,
  type Hints,
  HOSTILE_STRINGS,
  type JsonSchema,
  mutatedValue,
  Random,
  randomCodeUnits,
  validValue,
} from './schema-fuzzer.js';

/**
 * Walks the served OpenAPI document and, for every operation, sends a few hundred requests generated
 * from its schemas: valid ones and mutated ones (wrong types, missing and extra fields, boundary
 * lengths, hostile strings, random bytes, wrong content types, bad tokens). No answer may be a 5xx,
 * and every error must have the API's error shape. FUZZ_SEED replays a run; FUZZ_RUNS sets the count.
 */

const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed_2026);
const RUNS_PER_OPERATION = Number(process.env.FUZZ_RUNS ?? 300);

interface Parameter {
  in: 'path' | 'query' | 'header';
  name: string;
  required?: boolean;
  schema: JsonSchema;
}

interface Operation {
  method: string;
  path: string;
  parameters: Parameter[];
  body?: {
    required: boolean;
    content: Record<
      string,
      { schema: JsonSchema; example?: unknown; examples?: Record<string, { value: unknown }> }
    >;
  };
  secured: boolean;
}

let t: TestApp;
let operations: Operation[];
const hints: Record<string, string[]> = {};

beforeAll(async () => {
  t = await buildTestApp();
  const alerts = Array.from({ length: 5 }, (_, index) =>
    makeAlert({
      keyId: `key-${index}`,
      ts: `2026-11-0${index + 1}T10:00:00.000Z`,
      ips: [`81.2.69.${index + 1}`],
    }),
  );
  await seedAlerts(t.store, alerts);
  const events = alerts.map((alert, index) => ({
    ts: Date.parse(alert.ts),
    keyId: alert.keyId,
    ip: `81.2.69.${index + 1}`,
  }));
  await t.runtime.ingest(events);
  hints.id = alerts.map((alert) => alert.id);
  hints.keyId = alerts.map((alert) => alert.keyId);
  const page = JSON.parse((await t.as('read', { method: 'GET', url: '/v1/alerts?limit=2' })).body) as {
    nextCursor: string;
  };
  hints.cursor = [page.nextCursor, 'key-1'];
  // Real webhook ids, so the webhook routes are also exercised past "not found". The loopback URL is
  // refused by the SSRF policy, so sending a test message never touches the network.
  const now = new Date().toISOString();
  const subscription = (id: string, source: 'api' | 'config') => ({
    id,
    url: 'http://127.0.0.1:1/hook',
    secret: generateSecret(),
    filters: {},
    types: ['alert.opened' as const],
    format: 'standard' as const,
    description: '',
    enabled: true,
    source,
    createdAt: now,
    updatedAt: now,
  });
  await t.store.webhooks.createSubscription(subscription('cfg-fuzz', 'config'));
  for (const id of ['wh_fuzz_1', 'wh_fuzz_2'])
    await t.store.webhooks.createSubscription(subscription(id, 'api'));
  const sent = JSON.parse(
    (await t.as('admin', { method: 'POST', url: '/v1/webhooks/cfg-fuzz/test' })).body,
  ) as {
    messageId: string;
  };
  hints.webhookId = ['cfg-fuzz', 'wh_fuzz_1', 'wh_fuzz_2'];
  hints.messageId = [sent.messageId];
  // Tokens the fuzzer may revoke (not the ones it calls with), so DELETE /v1/tokens/… gets past 404.
  const revocable = [];
  for (let index = 0; index < 40; index++)
    revocable.push((await t.store.createToken({ name: `fuzz-${index}`, scopes: ['read'] })).record.id);
  hints.tokenId = revocable;

  const response = await t.app.inject({ method: 'GET', url: '/openapi.json' });
  const document = JSON.parse(response.body) as {
    paths: Record<
      string,
      Record<string, { parameters?: Parameter[]; requestBody?: Operation['body']; security?: unknown[] }>
    >;
  };
  operations = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      method: method.toUpperCase(),
      path,
      parameters: operation.parameters ?? [],
      ...(operation.requestBody ? { body: operation.requestBody } : {}),
      secured: (operation.security ?? []).length > 0,
    })),
  );
});

afterAll(async () => {
  await t.close();
});

function pathOf(operation: Operation, random: Random, valid: boolean): string {
  return operation.path.replace(/\{(\w+)\}/g, (_match, name: string) => {
    const parameter = operation.parameters.find(
      (candidate) => candidate.in === 'path' && candidate.name === name,
    )!;
    if (!valid && random.chance(0.15)) {
      return random.pick(['%zz', '%', '..', '%2F', '%00', '%C0%AF', 'a'.repeat(2000), '%E0%A4%A']);
    }
    const value = valid
      ? validValue(parameter.schema, random, hints as Hints, name)
      : mutatedValue(parameter.schema, random, hints as Hints, name);
    return encodeForUrl(typeof value === 'string' ? value : (JSON.stringify(value) ?? 'undefined'), random);
  });
}

function queryOf(operation: Operation, random: Random, valid: boolean): string {
  const pairs: string[] = [];
  for (const parameter of operation.parameters.filter((candidate) => candidate.in === 'query')) {
    if (!parameter.required && !random.chance(0.35)) continue;
    const mutate = !valid && random.chance(0.5);
    const value = mutate
      ? mutatedValue(parameter.schema, random, hints as Hints, parameter.name)
      : validValue(parameter.schema, random, hints as Hints, parameter.name);
    const values = Array.isArray(value) ? value : [value];
    for (const item of values) {
      const text = typeof item === 'string' ? item : (JSON.stringify(item) ?? '');
      pairs.push(`${parameter.name}=${encodeForUrl(text, random)}`);
    }
  }
  if (!valid && random.chance(0.2)) pairs.push(`${encodeForUrl(random.pick(HOSTILE_STRINGS), random)}=1`);
  if (!valid && random.chance(0.05)) pairs.push(random.pick(['%zz', '&&&', '=', 'a[b]=c', 'a[]=1&a[]=2']));
  return pairs.length > 0 ? `?${pairs.join('&')}` : '';
}

function bodyOf(
  operation: Operation,
  random: Random,
  valid: boolean,
): Pick<InjectOptions, 'payload' | 'headers'> {
  const body = operation.body;
  if (body === undefined) {
    return !valid && random.chance(0.2)
      ? { headers: { 'content-type': 'application/json' }, payload: '{"unexpected":true}' }
      : {};
  }
  if (!valid && random.chance(0.05)) return {};
  const mediaTypes = Object.keys(body.content);
  const mediaType =
    !valid && random.chance(0.05)
      ? random.pick(['text/plain', 'application/xml', 'image/png'])
      : random.pick(mediaTypes);
  const media = body.content[mediaType] ?? body.content[mediaTypes[0]!]!;
  const schema: JsonSchema = { ...media.schema };
  const examples = Object.values(media.examples ?? {}).map((example) => example.value);
  if (media.example !== undefined) examples.push(media.example);
  if (examples.length > 0) schema.examples = examples;
  const headers = { 'content-type': mediaType };
  if (!valid && random.chance(0.1)) {
    return {
      headers,
      payload: Buffer.from(Array.from({ length: random.int(0, 200) }, () => random.int(0, 255))),
    };
  }
  const value = valid
    ? validValue(schema, random, hints as Hints)
    : mutatedValue(schema, random, hints as Hints);
  if (mediaType.includes('ndjson')) {
    const lines = (Array.isArray(value) ? value : [value]).map((item) => JSON.stringify(item) ?? 'undefined');
    if (!valid && random.chance(0.5))
      lines.splice(random.int(0, lines.length), 0, randomCodeUnits(random, random.int(0, 30)));
    return { headers, payload: lines.join(random.pick(['\n', '\r\n'])) };
  }
  let text = JSON.stringify(value) ?? 'null';
  if (!valid && random.chance(0.1)) text = text.slice(0, random.int(0, text.length));
  return { headers, payload: text };
}

function authorizationOf(random: Random, valid: boolean): Record<string, string> {
  if (valid) return { authorization: `Bearer ${t.tokens.admin}` };
  const roll = random.next();
  if (roll < 0.8) return { authorization: `Bearer ${t.tokens.admin}` };
  if (roll < 0.85) return {};
  if (roll < 0.9) return { authorization: `Bearer ${t.tokens.read}` };
  if (roll < 0.95) return { authorization: `Bearer ${encodeForUrl(randomCodeUnits(random, 20), random)}` };
  return { authorization: random.pick(['Basic YTpi', 'Bearer', `Bearer ${'x'.repeat(5000)}`, 'Bearer a b']) };
}

/** Why a response breaks the contract, or undefined when it keeps it. */
function contractBreach(response: LightMyRequestResponse): string | undefined {
  if (response.statusCode >= 500) return `status ${response.statusCode}: ${response.body.slice(0, 300)}`;
  if (response.statusCode < 400) return undefined;
  try {
    const code = (JSON.parse(response.body) as { error?: { code?: unknown } }).error?.code;
    return typeof code === 'string' && /^KW_ERR_[A-Z_]+$/.test(code)
      ? undefined
      : `error without a KW_ERR code: ${response.body.slice(0, 300)}`;
  } catch {
    return `error body is not JSON: ${response.body.slice(0, 300)}`;
  }
}

describe('fuzzing every operation of the OpenAPI document', () => {
  test('finds the operations to fuzz in the document', () => {
    expect(operations.length).toBeGreaterThanOrEqual(11);
  });

  test('no generated request gets a 5xx or an error without a KW_ERR code', {
    timeout: 300_000,
  }, async () => {
    const random = new Random(SEED);
    const statusesByOperation = new Map<string, Map<number, number>>();
    for (const operation of operations) {
      const label = `${operation.method} ${operation.path}`;
      const statuses = new Map<number, number>();
      statusesByOperation.set(label, statuses);
      for (let run = 0; run < RUNS_PER_OPERATION; run++) {
        const valid = random.chance(0.35);
        const request: InjectOptions = {
          method: operation.method as InjectOptions['method'],
          url: pathOf(operation, random, valid) + queryOf(operation, random, valid),
          ...bodyOf(operation, random, valid),
        };
        request.headers = {
          ...(request.headers ?? {}),
          ...(operation.secured || !valid ? authorizationOf(random, valid) : {}),
        };
        const response = await t.app.inject(request);
        statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
        const breach = contractBreach(response);
        if (breach !== undefined) {
          const shown = { ...request, payload: String(request.payload ?? '').slice(0, 500) };
          expect.fail(`seed ${SEED}, ${label} run ${run}: ${breach}\nrequest: ${JSON.stringify(shown)}`);
        }
      }
    }
    // The generator must reach both the happy path and the refusals of every operation, or it tests little.
    for (const [label, statuses] of statusesByOperation) {
      const codes = [...statuses.keys()];
      expect(
        codes.some((code) => code < 300),
        `${label} never succeeded: ${JSON.stringify([...statuses])}`,
      ).toBe(true);
      if (label.startsWith('GET /healthz') || label.startsWith('GET /readyz')) continue;
      expect(
        codes.some((code) => code >= 400),
        `${label} was never refused: ${JSON.stringify([...statuses])}`,
      ).toBe(true);
    }
  });
});

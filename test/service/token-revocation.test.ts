import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { databaseUrlWithNewSchema, dropSchemas, postgresUrlForTests } from '../helpers/postgres.js';
import { type RunningService, startService } from '../helpers/service.js';

// Two `keywatch serve` processes sharing one PostgreSQL schema, as several instances behind a load
// balancer would: a token revoked through one is refused by the other, which had it cached, within
// moments (the revocation is NOTIFYed), not after the verifier's cache period.

let postgresUrl: string;
const schemas: string[] = [];
const running: RunningService[] = [];

beforeAll(async () => {
  postgresUrl = await postgresUrlForTests();
});
afterEach(async () => {
  for (const service of running.splice(0)) await service.stop('SIGKILL');
});
afterAll(async () => {
  await dropSchemas(postgresUrl, schemas).catch(() => {});
});

describe('API tokens across instances', () => {
  it('a token revoked through one instance is refused by another at once', async () => {
    const env = {
      KEYWATCH_DATABASE_URL: await databaseUrlWithNewSchema(postgresUrl, 'tokens', schemas),
      KEYWATCH_API_TOKEN: 'kw_admin-token-shared-by-both-instances',
    };
    const first = await startService(env);
    running.push(first);
    const second = await startService(env);
    running.push(second);

    const created = await first.request('/v1/tokens', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'dashboard', scopes: ['read'] }),
    });
    expect(created.status).toBe(201);
    const { id, token } = (await created.json()) as { id: string; token: string };
    const asDashboard = { headers: { authorization: `Bearer ${token}` } };
    // The second instance verifies it, then answers from its cache.
    expect((await second.request('/v1/alerts', asDashboard)).status).toBe(200);
    expect((await second.request('/v1/alerts', asDashboard)).status).toBe(200);

    expect((await first.request(`/v1/tokens/${id}`, { method: 'DELETE' })).status).toBe(204);
    const revokedAt = performance.now();
    let status = 200;
    while (status === 200 && performance.now() - revokedAt < 3000) {
      status = (await second.request('/v1/alerts', asDashboard)).status;
      if (status === 200) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // Without the notice the cache would have answered 200 for 10 s.
    expect(status).toBe(401);
    expect(first.logs.join('\n')).not.toContain(token);
    expect(second.logs.join('\n')).not.toContain(token);
  }, 120_000);
});

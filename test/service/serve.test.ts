import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningService, startService } from '../helpers/service.js';

const running: RunningService[] = [];
afterEach(async () => {
  for (const service of running.splice(0)) await service.stop('SIGKILL');
});

describe('keywatch serve', () => {
  it('creates an admin token on first start, writes it for the owner only and never logs it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kw-serve-'));
    const service = await startService({ KEYWATCH_DATABASE_URL: `sqlite:${join(dir, 'keywatch.db')}` });
    running.push(service);
    const tokenFile = join(dir, 'admin-token');
    const token = readFileSync(tokenFile, 'utf8').trim();
    expect(token).toMatch(/^kw_[A-Za-z0-9_-]{43}$/);
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    const response = await service.request('/v1/keys', { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    expect(service.logs.join('\n')).not.toContain(token);
    expect(await service.stop('SIGTERM')).toBe(0);
  });

  it('keeps a revoked KEYWATCH_API_TOKEN refused after a restart, and says so at start-up', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kw-serve-'));
    const env = {
      KEYWATCH_DATABASE_URL: `sqlite:${join(dir, 'keywatch.db')}`,
      KEYWATCH_API_TOKEN: 'kw_an-admin-token-that-leaked-somewhere',
    };
    const first = await startService(env);
    running.push(first);
    const tokens = (await (await first.request('/v1/tokens')).json()) as {
      items: Array<{ id: string; name: string }>;
    };
    const own = tokens.items.find((token) => token.name === 'KEYWATCH_API_TOKEN')!;
    expect((await first.request(`/v1/tokens/${own.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await first.request('/v1/keys')).status).toBe(401);
    expect(await first.stop('SIGTERM')).toBe(0);

    const second = await startService(env);
    running.push(second);
    expect((await second.request('/v1/keys')).status).toBe(401);
    const notice = second.logs.find((line) => line.includes('KEYWATCH_API_TOKEN was revoked'));
    expect(JSON.parse(notice!)).toMatchObject({ level: 50, tokenId: own.id });
    expect(second.logs.join('\n')).not.toContain(env.KEYWATCH_API_TOKEN);
    // Each line names its component once (a field given twice is ambiguous to log pipelines).
    const apiLines = [...first.logs, ...second.logs].filter((line) => line.includes('"component":"api"'));
    expect(apiLines.length).toBeGreaterThan(0);
    for (const line of apiLines) expect(line.match(/"component":/g)).toHaveLength(1);
  });

  it('refuses a short KEYWATCH_API_TOKEN at start-up, naming the variable', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], {
      cwd: join(import.meta.dirname, '..', '..'),
      env: {
        ...process.env,
        KEYWATCH_API_TOKEN: 'short',
        KEYWATCH_DATABASE_URL: 'sqlite::memory:',
        KEYWATCH_PORT: '0',
      },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('KW_ERR_CONFIG_INVALID');
    expect(result.stderr).toContain('KEYWATCH_API_TOKEN');
    expect(result.stderr).not.toContain('short');
  });

  it('refuses a bad port from the environment, naming the variable', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], {
      cwd: join(import.meta.dirname, '..', '..'),
      env: { ...process.env, KEYWATCH_PORT: 'eighty', KEYWATCH_DATABASE_URL: 'sqlite::memory:' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('KEYWATCH_PORT');
  });
});

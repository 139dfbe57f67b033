import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const EXAMPLE = join(ROOT, 'examples', 'webex-keys.ndjson');

function keywatch(args: string[], input?: string) {
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts'), ...args],
    {
      cwd: ROOT,
      encoding: 'utf8',
      input,
      maxBuffer: 64 * 1048576,
      timeout: 120_000,
    },
  );
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('keywatch replay', () => {
  it('reports the example incident as a high alert, with a summary on stderr', () => {
    const { code, stdout, stderr } = keywatch(['replay', EXAMPLE]);
    expect(code).toBe(0);
    const alerts = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    const incident = alerts.find((alert) => alert.ts === '2026-11-05T10:43:53.379Z');
    expect(incident).toMatchObject({
      keyId: 'key_b3cd762503d6fa54',
      detector: 'unfamiliar-ip',
      severity: 'high',
    });
    expect(incident.summary).toContain('160.180.97.132');
    expect(stderr).toMatch(/2,217 events read/);
    expect(stderr).toMatch(/alerts \d+ \(low \d+, medium \d+, high 1, critical \d+\)/);
  });

  it('gives byte-identical output on every run', () => {
    const first = keywatch(['replay', EXAMPLE]).stdout;
    const second = keywatch(['replay', '-'], readFileSync(EXAMPLE, 'utf8')).stdout;
    expect(second).toBe(first);
  });

  it('reports every rejected line with its number and reason and processes the events around them', () => {
    const good = readFileSync(EXAMPLE, 'utf8').trim().split('\n');
    const lines = [
      ...good.slice(0, 1000),
      '{"ts": "2026-11-03T09:00:00Z", "keyId": "k-bad"',
      '{"ts": "2026-11-03T09:00:00Z", "ip": "81.2.69.160"}',
      '{"ts": "yesterday", "keyId": "k-1", "ip": "81.2.69.160"}',
      '{"ts": "2026-11-03T09:00:00Z", "keyId": "k-1", "ip": "999.1.1.1"}',
      `{"ts": "2026-11-03T09:00:00Z", "keyId": "k-1", "ip": "81.2.69.160", "pad": "${'x'.repeat(70_000)}"}`,
      good[5]!,
      ...good.slice(1000),
    ];
    const dir = mkdtempSync(join(tmpdir(), 'kw-replay-'));
    const file = join(dir, 'mixed.ndjson');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const deadLetters = join(dir, 'dead.ndjson');
    const { code, stdout, stderr } = keywatch(['replay', file, '--dead-letter', deadLetters]);
    expect(code).toBe(0);
    expect(stderr).toContain('line 1001: rejected (bad_json)');
    expect(stderr).toContain('line 1002: rejected (missing_key_id)');
    expect(stderr).toContain('line 1003: rejected (invalid_ts)');
    expect(stderr).toContain('line 1004: rejected (invalid_ip)');
    expect(stderr).toContain('line 1005: rejected (oversized_line)');
    expect(stderr).toContain('line 1006: rejected (duplicate)');
    expect(stderr).toMatch(/accepted 2,217, rejected 6 \(/);
    const dead = readFileSync(deadLetters, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(dead.map((entry) => entry.line)).toEqual([1001, 1002, 1003, 1004, 1005, 1006]);
    // The valid events around the bad lines gave exactly the alerts of the clean file.
    expect(stdout).toBe(keywatch(['replay', EXAMPLE]).stdout);
  });

  it('stops with a usage error naming the problem', () => {
    const { code, stderr } = keywatch(['replay']);
    expect(code).toBe(2);
    expect(stderr).toContain('KW_ERR_USAGE');
    const missing = keywatch(['replay', '/nonexistent/file.ndjson']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('KW_ERR_INPUT_UNREADABLE');
  });

  it('stops on a bad configuration naming the setting', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kw-replay-config-'));
    const config = join(dir, 'bad.yaml');
    writeFileSync(config, 'engine:\n  severity:\n    medium: 2\n');
    const { code, stderr } = keywatch(['replay', EXAMPLE, '--config', config]);
    expect(code).toBe(1);
    expect(stderr).toContain('engine.severity.medium');
  });
});

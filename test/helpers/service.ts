import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Alert } from '../../src/engine/types.js';

const ROOT = join(import.meta.dirname, '..', '..');

/** A real `keywatch serve` process started from the sources (tsx), on a free port. */
export interface RunningService {
  port: number;
  child: ChildProcess;
  /** Lines the service logged (JSON), for assertions on logs. */
  logs: string[];
  /** Sends a signal and waits for the process to exit; resolves to its exit code (null if killed). */
  stop(signal: NodeJS.Signals): Promise<number | null>;
  request(path: string, init?: RequestInit): Promise<Response>;
}

/** Starts `keywatch serve` with the given environment and waits until it listens. */
export async function startService(env: Record<string, string>): Promise<RunningService> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts'), 'serve'], {
    cwd: ROOT,
    env: {
      ...process.env,
      KEYWATCH_PORT: '0',
      KEYWATCH_HOST: '127.0.0.1',
      KEYWATCH_LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      logs.push(line);
      if (line.includes('"keywatch serving"')) resolve((JSON.parse(line) as { port: number }).port);
    });
    child.once('exit', (code) =>
      reject(new Error(`keywatch serve exited with ${code} before listening: ${stderr}`)),
    );
  });
  const token = env.KEYWATCH_API_TOKEN;
  return {
    port,
    child,
    logs,
    async stop(signal) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = once(child, 'exit');
      child.kill(signal);
      const [code] = (await exited) as [number | null];
      return code;
    },
    request(path, init = {}) {
      const headers = new Headers(init.headers);
      if (token !== undefined && !headers.has('authorization'))
        headers.set('authorization', `Bearer ${token}`);
      return fetch(`http://127.0.0.1:${port}${path}`, { ...init, headers });
    },
  };
}

/** Every alert the service holds, through the paginated API. */
export async function fetchAllAlerts(service: RunningService): Promise<Alert[]> {
  const alerts: Alert[] = [];
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams({ limit: '500', ...(cursor ? { cursor } : {}) });
    const response = await service.request(`/v1/alerts?${query}`);
    if (!response.ok) throw new Error(`GET /v1/alerts answered ${response.status}: ${await response.text()}`);
    const page = (await response.json()) as { items: Alert[]; nextCursor: string | null };
    alerts.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return alerts;
}

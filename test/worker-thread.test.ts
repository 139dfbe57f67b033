import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startWorker } from '../src/worker-thread.js';

const dir = mkdtempSync(join(tmpdir(), 'kw-worker-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function echo(worker: ReturnType<typeof startWorker>): Promise<unknown> {
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

describe('startWorker', () => {
  it('runs the built .js module next to a built module (as dist does)', async () => {
    writeFileSync(
      join(dir, 'echo-worker.js'),
      "import { parentPort, workerData } from 'node:worker_threads';\nparentPort.postMessage({ got: workerData });\n",
    );
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
    const worker = startWorker(pathToFileURL(join(dir, 'caller.js')).href, './echo-worker', { n: 1 });
    try {
      expect(await echo(worker)).toEqual({ got: { n: 1 } });
    } finally {
      await worker.terminate();
    }
  });

  it('runs the .ts module next to a TypeScript source through tsx', async () => {
    writeFileSync(
      join(dir, 'echo-ts-worker.ts'),
      "import { parentPort, workerData } from 'node:worker_threads';\nconst doubled: number = (workerData as { n: number }).n * 2;\nparentPort!.postMessage({ doubled });\n",
    );
    const worker = startWorker(pathToFileURL(join(dir, 'caller.ts')).href, './echo-ts-worker', { n: 21 });
    try {
      expect(await echo(worker)).toEqual({ doubled: 42 });
    } finally {
      await worker.terminate();
    }
  });
});

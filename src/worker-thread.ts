import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * Starts a worker thread on the module `name` (without extension) next to the module whose
 * `import.meta.url` is `base`: its built `.js` file, or, when running from the TypeScript sources
 * (tests, benchmarks), its `.ts` file through tsx, whose hooks a worker does not inherit from the
 * command line on Node 20.
 *
 * @example const worker = startWorker(import.meta.url, './intake-worker', { events });
 */
export function startWorker(base: string, name: string, workerData: unknown): Worker {
  if (!base.endsWith('.ts')) return new Worker(new URL(`${name}.js`, base), { workerData });
  const loader = createRequire(import.meta.url).resolve('tsx'); // tsx/dist/loader.mjs
  const tsx = new URL('esm/api/index.mjs', pathToFileURL(loader)).href;
  const entry = new URL(`${name}.ts`, base).href;
  const bootstrap = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}

// A Kafka broker of one test file's own, which the test may stop and start again on the same port
// with the same data (the shared broker of the test run must stay up for the other files). It runs
// the jars that scripts/kafka/up.mjs gathered and starts them as it does (broker-process.mjs), plus
// settings that make a dead consumer's partitions move on quickly.

import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  formatStorage,
  freePorts,
  javaBin,
  jvmOptions,
  serverProperties,
  waitUntilServing,
} from '../../scripts/kafka/broker-process.mjs';

const ROOT = join(import.meta.dirname, '..', '..');

export interface DedicatedBroker {
  bootstrap: string;
  /** Stops the broker (SIGTERM, a controlled shutdown) and waits until it has exited. */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same data, and waits until it serves. */
  start(): Promise<void>;
  /** Stops it and deletes its data. */
  destroy(): Promise<void>;
}

/**
 * Starts a single-node KRaft broker in a temporary directory. Needs the jars of `npm run kafka:up`
 * (the test run's global setup gathers them).
 */
export async function startDedicatedBroker(extra: Record<string, string> = {}): Promise<DedicatedBroker> {
  const home = process.env.KEYWATCH_KAFKA_HOME ?? join(ROOT, '.kafka');
  const lib = join(home, 'lib');
  if (!existsSync(join(lib, '.complete')))
    throw new Error(`no Kafka jars in ${lib}: run \`npm run kafka:up\` once (it fetches them)`);
  const [port, controllerPort] = (await freePorts(2)) as [number, number];
  const dir = mkdtempSync(join(tmpdir(), 'kw-dedicated-kafka-'));
  const propertiesPath = join(dir, 'server.properties');
  writeFileSync(
    propertiesPath,
    serverProperties({ brokerPort: port, controllerPort, dataDir: join(dir, 'data'), extra }),
  );
  const jvm = jvmOptions({ heap: ['-Xms128m', '-Xmx384m'], logsDir: join(dir, 'logs') });
  const classPath = join(lib, '*');
  const formatFailure = formatStorage({ jvm, classPath, propertiesPath });
  if (formatFailure !== undefined) throw new Error(`kafka storage format failed: ${formatFailure}`);

  const bootstrap = `127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const start = async () => {
    const spawned = spawn(javaBin, [...jvm, '-cp', classPath, 'kafka.Kafka', propertiesPath], {
      cwd: dir,
      stdio: 'ignore',
    });
    child = spawned;
    const serving = await waitUntilServing({
      port,
      timeoutMs: 120_000,
      hasExited: () => spawned.exitCode !== null,
    });
    if (serving) return;
    if (spawned.exitCode !== null) throw new Error(`the dedicated broker exited with ${spawned.exitCode}`);
    spawned.kill('SIGKILL');
    throw new Error('the dedicated broker did not start within 120 s');
  };
  const stop = async () => {
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
    const exited = once(running, 'exit');
    running.kill('SIGTERM');
    const timer = setTimeout(() => running.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  };
  await start();
  return {
    bootstrap,
    start,
    stop,
    async destroy() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

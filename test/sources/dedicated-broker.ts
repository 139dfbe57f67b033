// A Kafka broker of one test file's own, which the test may stop and start again on the same port
// with the same data (the shared broker of the test run must stay up for the other files). It runs
// the jars that scripts/kafka/up.mjs gathered, with the same server.properties template, plus
// settings that make a dead consumer's partitions move on quickly.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';

const ROOT = join(import.meta.dirname, '..', '..');
const SCRIPTS = join(ROOT, 'scripts', 'kafka');

export interface DedicatedBroker {
  bootstrap: string;
  /** Stops the broker (SIGTERM, a controlled shutdown) and waits until it has exited. */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same data, and waits until it serves. */
  start(): Promise<void>;
  /** Stops it and deletes its data. */
  destroy(): Promise<void>;
}

async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => (server.address() as { port: number }).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => finish(false));
    socket.once('error', () => finish(false));
    socket.connect(port, '127.0.0.1', () => finish(true));
  });
}

async function serves(address: string): Promise<boolean> {
  const admin = new Kafka({
    clientId: 'keywatch-dedicated-broker',
    brokers: [address],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: 3000,
    retry: { retries: 0 },
  }).admin({ retry: { retries: 0 } });
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    await admin.listTopics();
    return cluster.brokers.length > 0;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => {});
  }
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
  const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
  const [port, controllerPort] = (await freePorts(2)) as [number, number];
  const dir = mkdtempSync(join(tmpdir(), 'kw-dedicated-kafka-'));
  const properties = join(dir, 'server.properties');
  const template = readFileSync(join(SCRIPTS, 'server.properties.template'), 'utf8')
    .replaceAll('@BROKER_PORT@', String(port))
    .replaceAll('@CONTROLLER_PORT@', String(controllerPort))
    .replaceAll('@LOG_DIRS@', join(dir, 'data'));
  const lines = Object.entries(extra).map(([name, value]) => `${name}=${value}`);
  writeFileSync(properties, `${template}\n${lines.join('\n')}\n`);
  const jvm = [
    '-Xms128m',
    '-Xmx384m',
    '-XX:+UseG1GC',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${join(SCRIPTS, 'log4j2.properties')}`,
    `-Dkafka.logs.dir=${join(dir, 'logs')}`,
  ];
  const classPath = join(lib, '*');
  const format = spawnSync(
    java,
    [
      ...jvm,
      '-cp',
      classPath,
      'kafka.tools.StorageTool',
      'format',
      '--config',
      properties,
      `--cluster-id=${randomBytes(16).toString('base64url')}`,
    ],
    { encoding: 'utf8' },
  );
  if (format.status !== 0) throw new Error(`kafka storage format failed: ${format.stdout}${format.stderr}`);

  const bootstrap = `127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const start = async () => {
    const spawned = spawn(java, [...jvm, '-cp', classPath, 'kafka.Kafka', properties], {
      cwd: dir,
      stdio: 'ignore',
    });
    child = spawned;
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      if (spawned.exitCode !== null) throw new Error(`the dedicated broker exited with ${spawned.exitCode}`);
      if ((await portAccepts(port)) && (await serves(bootstrap))) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
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

// The pieces of starting a Kafka broker process that `npm run kafka:up` (up.mjs) and the tests'
// dedicated broker (test/sources/dedicated-broker.ts) share: ports, server.properties, JVM options,
// storage format and the readiness check. Types: broker-process.d.mts.

import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { join } from 'node:path';
import { kafkaScriptDir, sleep } from './broker-runs.mjs';

export const javaBin = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';

/** Asks the OS for `count` distinct free loopback ports. */
export async function freePorts(count) {
  const servers = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      await new Promise((done, fail) => {
        server.once('error', fail);
        server.listen(0, '127.0.0.1', done);
      });
    }
    return servers.map((server) => server.address().port);
  } finally {
    await Promise.all(servers.map((server) => new Promise((done) => server.close(() => done()))));
  }
}

/** server.properties for a single-node KRaft broker, from the template, plus `extra` settings. */
export function serverProperties({ brokerPort, controllerPort, dataDir, extra = {} }) {
  const template = readFileSync(join(kafkaScriptDir, 'server.properties.template'), 'utf8')
    .replaceAll('@BROKER_PORT@', String(brokerPort))
    .replaceAll('@CONTROLLER_PORT@', String(controllerPort))
    // Backslashes are escapes in .properties files.
    .replaceAll('@LOG_DIRS@', dataDir.replaceAll('\\', '/'));
  const lines = Object.entries(extra).map(([name, value]) => `${name}=${value}`);
  return lines.length === 0 ? template : `${template}\n${lines.join('\n')}\n`;
}

/** JVM options of a broker: heap, G1, Kafka's logs in `logsDir` through scripts/kafka/log4j2.properties. */
export function jvmOptions({ heap, logsDir }) {
  return [
    ...heap,
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${join(kafkaScriptDir, 'log4j2.properties')}`,
    `-Dkafka.logs.dir=${logsDir}`,
  ];
}

/**
 * Formats the storage of a fresh, throw-away cluster (a random cluster id). Returns undefined on
 * success, else what went wrong.
 */
export function formatStorage({ jvm, classPath, propertiesPath }) {
  const clusterId = randomBytes(16).toString('base64url');
  const format = spawnSync(
    javaBin,
    [
      ...jvm,
      '-cp',
      classPath,
      'kafka.tools.StorageTool',
      'format',
      '--config',
      propertiesPath,
      // `=` form: a base64url id may start with '-', which the option parser would take for an option.
      `--cluster-id=${clusterId}`,
    ],
    { encoding: 'utf8' },
  );
  if (!format.error && format.status === 0) return undefined;
  return format.error ? format.error.message : `${format.stdout}${format.stderr}`.trim();
}

/** Whether something accepts TCP connections on the loopback port. */
export function portAccepts(port) {
  return new Promise((done) => {
    const socket = new Socket();
    const finish = (ok) => {
      socket.destroy();
      done(ok);
    };
    socket.setTimeout(1_000, () => finish(false));
    socket.once('error', () => finish(false));
    socket.connect(port, '127.0.0.1', () => finish(true));
  });
}

let kafkajs;

/** Whether the broker answers a Kafka client: its metadata lists a broker (unfenced) and topics list. */
export async function answersAdminRequests(address) {
  try {
    kafkajs ??= await import('kafkajs');
  } catch {
    // kafkajs is a dependency of Keywatch; without `npm install` the open port has to do.
    return true;
  }
  const { Kafka, logLevel } = kafkajs.default ?? kafkajs;
  const admin = new Kafka({
    clientId: 'keywatch-kafka-up',
    brokers: [address],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    requestTimeout: 3_000,
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

/** Waits until the broker on `port` serves (see answersAdminRequests); false when it exited or timed out. */
export async function waitUntilServing({ port, timeoutMs, hasExited }) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (hasExited()) return false;
    if ((await portAccepts(port)) && (await answersAdminRequests(`127.0.0.1:${port}`))) return true;
    await sleep(200);
  }
  return false;
}

#!/usr/bin/env node
// `npm run kafka:up`: starts a single-node Apache Kafka broker (KRaft, combined broker + controller)
// on 127.0.0.1 and a free port, in the background, for Keywatch's development and tests.
//
// The jars come from Maven Central through scripts/kafka/pom.xml and are cached in <home>/lib
// (home = $KEYWATCH_KAFKA_HOME or <repo>/.kafka), so only the first run needs the network. A second
// call while a broker runs prints that broker's address. Needs JDK 17+, Maven and Node 20.
//
// Output: progress lines, then the bootstrap address (`127.0.0.1:PORT`) as the last stdout line; with
// `--json`, the last line is instead `{"bootstrap":"127.0.0.1:PORT","started":true|false,...}` so
// that a caller can tell whether it started the broker (and so should stop it).
//
// Environment: KEYWATCH_KAFKA_HOME (cache and run directories), KEYWATCH_KAFKA_START_TIMEOUT_MS
// (default 90000), KEYWATCH_KAFKA_HEAP (default "-Xms128m -Xmx512m"), JAVA_HOME (else `java` on PATH).

import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  formatStorage,
  freePorts,
  javaBin,
  jvmOptions,
  serverProperties,
  waitUntilServing,
} from './broker-process.mjs';
import {
  isRunAlive,
  kafkaHome,
  kafkaScriptDir,
  listRuns,
  progress,
  stopRun,
  withHomeLock,
} from './broker-runs.mjs';

const startTimeoutMs = Number(process.env.KEYWATCH_KAFKA_START_TIMEOUT_MS ?? 90_000);
const heapOptions = (process.env.KEYWATCH_KAFKA_HEAP ?? '-Xms128m -Xmx512m').split(/\s+/).filter(Boolean);
const pomPath = join(kafkaScriptDir, 'pom.xml');
const wantsJson = process.argv.includes('--json');

class KafkaUpError extends Error {
  code = 'KW_ERR_KAFKA_UP';
}

async function main() {
  const home = kafkaHome();
  const result = await withHomeLock(home, async () => {
    const running = await findRunningBroker(home);
    if (running) {
      progress(`already running (pid ${running.pid}, ${running.dir})`);
      return { ...running, started: false };
    }
    const libDir = await ensureJars(home);
    return { ...(await startWithFreePorts(home, libDir)), started: true };
  });
  const line = wantsJson
    ? JSON.stringify({
        bootstrap: result.address,
        started: result.started,
        pid: result.pid,
        runDir: result.dir,
      })
    : result.address;
  process.stdout.write(`${line}\n`);
}

/** A live broker of this home that answers, after removing run dirs whose process is gone. */
async function findRunningBroker(home) {
  for (const run of listRuns(home)) {
    if (!isRunAlive(run)) {
      progress(`removing stale ${run.dir}`);
      rmSync(run.dir, { recursive: true, force: true });
      continue;
    }
    if (await waitUntilServing({ port: run.port, timeoutMs: 15_000, hasExited: () => !isRunAlive(run) }))
      return run;
    progress(`broker pid ${run.pid} does not answer on ${run.address}; stopping it`);
    await stopRun(run);
  }
  return null;
}

/** Gathers the jars once; a changed pom.xml (e.g. another Kafka version) gathers them again. */
async function ensureJars(home) {
  const libDir = join(home, 'lib');
  const marker = join(libDir, '.complete');
  const pomHash = createHash('sha256').update(readFileSync(pomPath)).digest('hex');
  if (existsSync(marker) && readFileSync(marker, 'utf8').trim() === pomHash) return libDir;

  progress(`fetching Kafka jars with Maven into ${libDir} (once)`);
  rmSync(libDir, { recursive: true, force: true });
  const started = Date.now();
  // Maven's output is kept for a failure only: even with -q, Debian's Maven 3.8 prints stray colour
  // resets, and stdout must stay progress lines plus the address.
  const maven = spawnSync(
    'mvn',
    [
      '-B',
      '-q',
      '-Dstyle.color=never',
      '-f',
      pomPath,
      `-Dkafka.lib.dir=${libDir}`,
      'dependency:copy-dependencies@gather',
    ],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, shell: process.platform === 'win32' },
  );
  if (maven.error) throw new KafkaUpError(`cannot run mvn (is Maven installed?): ${maven.error.message}`);
  if (maven.status !== 0) {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colour codes.
    const output = `${maven.stdout}${maven.stderr}`.replace(/\u001b\[[0-9;]*m/g, '').trim();
    throw new KafkaUpError(`mvn failed with exit code ${maven.status}:\n${output}`);
  }
  writeFileSync(marker, `${pomHash}\n`);
  progress(`jars fetched in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return libDir;
}

/** Starts a broker; retries with new ports if another process took one between choice and bind. */
async function startWithFreePorts(home, libDir) {
  for (let attempt = 1; ; attempt++) {
    const [brokerPort, controllerPort] = await freePorts(2);
    try {
      return await startBroker(home, libDir, brokerPort, controllerPort);
    } catch (error) {
      if (!(error instanceof PortTakenError) || attempt >= 3) throw error;
      progress(`port taken meanwhile, retrying (${error.message})`);
    }
  }
}

class PortTakenError extends Error {}

async function startBroker(home, libDir, brokerPort, controllerPort) {
  const started = Date.now();
  const runDir = join(home, `run-${brokerPort}`);
  const run = { port: brokerPort, dir: runDir, pid: null, address: `127.0.0.1:${brokerPort}` };
  const dataDir = join(runDir, 'data');
  const logsDir = join(runDir, 'logs');
  mkdirSync(logsDir, { recursive: true });

  const propertiesPath = join(runDir, 'server.properties');
  writeFileSync(propertiesPath, serverProperties({ brokerPort, controllerPort, dataDir }));
  const classPath = join(libDir, '*');
  const jvm = jvmOptions({ heap: heapOptions, logsDir });

  progress(`formatting ${dataDir}`);
  // Every run dir is a fresh, throw-away cluster.
  const formatFailure = formatStorage({ jvm, classPath, propertiesPath });
  if (formatFailure !== undefined) {
    rmSync(runDir, { recursive: true, force: true });
    throw new KafkaUpError(`kafka storage format failed: ${formatFailure}`);
  }

  progress(`starting broker on ${run.address} (controller on 127.0.0.1:${controllerPort})`);
  const consolePath = join(runDir, 'kafka.out');
  const consoleFd = openSync(consolePath, 'a');
  const child = spawn(javaBin, [...jvm, '-cp', classPath, 'kafka.Kafka', propertiesPath], {
    cwd: runDir,
    detached: true,
    stdio: ['ignore', consoleFd, consoleFd],
  });
  closeSync(consoleFd);
  let exitCode = null;
  child.on('exit', (code, signal) => {
    exitCode = code ?? signal;
  });
  child.unref();
  run.pid = child.pid;
  writeFileSync(join(runDir, 'kafka.pid'), `${child.pid}\n`);

  const ready = await waitUntilServing({
    port: run.port,
    timeoutMs: startTimeoutMs,
    hasExited: () => exitCode !== null,
  });
  if (!ready) {
    // server.log has what Kafka logged; kafka.out what the JVM itself printed (e.g. OutOfMemoryError).
    const logTail = [tail(join(logsDir, 'server.log'), 20), tail(consolePath, 10)].filter(Boolean).join('\n');
    await stopRun(run, 5_000);
    const why = exitCode !== null ? `exited (${exitCode})` : `did not answer within ${startTimeoutMs} ms`;
    const message = `broker ${why}; last log lines:\n${logTail}`;
    if (/Address already in use|BindException/.test(logTail)) throw new PortTakenError(message);
    throw new KafkaUpError(message);
  }
  progress(`broker ready in ${((Date.now() - started) / 1000).toFixed(1)} s (pid ${run.pid}, ${runDir})`);
  return run;
}

function tail(file, lines) {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

main().catch((error) => {
  process.stderr.write(`kafka:up failed: ${error.message}\n`);
  process.exit(1);
});

// The development Kafka brokers of one Keywatch checkout: where they live on disk and how to find,
// lock and stop them. Shared by up.mjs and down.mjs.
//
// Layout of the Kafka home (default <repo>/.kafka, or $KEYWATCH_KAFKA_HOME):
//   lib/              jars gathered by Maven (lib/.complete marks a finished gathering)
//   run-<port>/       one running broker: server.properties, kafka.pid, data/, logs/, kafka.out
//   .lock/            held by up.mjs and down.mjs while they change anything

import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const scriptDir = dirname(fileURLToPath(import.meta.url));

/** Directory of this script and of pom.xml, the templates and the log4j config. */
export const kafkaScriptDir = scriptDir;

/** Root of the Keywatch checkout (scripts/kafka/../..). */
export const repoRoot = resolve(scriptDir, '..', '..');

/** The Kafka home: $KEYWATCH_KAFKA_HOME (relative to the working directory) or <repo>/.kafka. */
export function kafkaHome() {
  const fromEnv = process.env.KEYWATCH_KAFKA_HOME;
  return fromEnv ? resolve(fromEnv) : join(repoRoot, '.kafka');
}

/** Prints a progress line; stdout's last line is reserved for the bootstrap address. */
export function progress(message) {
  process.stdout.write(`kafka: ${message}\n`);
}

export const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

/**
 * The run directories under `home`, whether or not their broker still runs.
 * @returns {{ port: number, dir: string, pid: number | null, address: string }[]}
 */
export function listRuns(home) {
  if (!existsSync(home)) return [];
  const runs = [];
  for (const name of readdirSync(home)) {
    const match = /^run-(\d+)$/.exec(name);
    if (!match) continue;
    const port = Number(match[1]);
    const dir = join(home, name);
    runs.push({ port, dir, pid: readPid(dir), address: `127.0.0.1:${port}` });
  }
  return runs;
}

function readPid(runDir) {
  try {
    const pid = Number.parseInt(readFileSync(join(runDir, 'kafka.pid'), 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/**
 * True when the run's process exists and, where /proc tells, is the JVM started for this run dir
 * (a pid left from an old boot may since belong to an unrelated process).
 */
export function isRunAlive(run) {
  if (run.pid === null) return false;
  try {
    process.kill(run.pid, 0);
  } catch {
    // EPERM: the process exists but belongs to someone else, so it is not our broker.
    return false;
  }
  const cmdlinePath = `/proc/${run.pid}/cmdline`;
  if (!existsSync('/proc/self/cmdline')) return true;
  try {
    return readFileSync(cmdlinePath, 'utf8').includes(run.dir);
  } catch {
    return false;
  }
}

/**
 * Stops a run's broker (SIGTERM, then SIGKILL after `graceMs`) and removes its run directory.
 * @returns {Promise<'stopped' | 'killed' | 'not-running'>}
 */
export async function stopRun(run, graceMs = 20_000) {
  let outcome = 'not-running';
  if (isRunAlive(run)) {
    outcome = 'stopped';
    signal(run.pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (isRunAlive(run) && Date.now() < deadline) await sleep(100);
    if (isRunAlive(run)) {
      outcome = 'killed';
      signal(run.pid, 'SIGKILL');
      while (isRunAlive(run)) await sleep(50);
    }
  }
  rmSync(run.dir, { recursive: true, force: true });
  return outcome;
}

function signal(pid, name) {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

/**
 * Runs `action` while holding <home>/.lock, so that two `kafka:up` (or an up and a down) never start
 * or stop brokers at the same time. A lock left by a dead process is taken over.
 */
export async function withHomeLock(home, action, waitMs = 15 * 60_000) {
  mkdirSync(home, { recursive: true });
  const lockDir = join(home, '.lock');
  const deadline = Date.now() + waitMs;
  let announced = false;
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(join(lockDir, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      if (isLockStale(lockDir)) {
        rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for the lock ${lockDir}`);
      if (!announced) progress(`waiting for another kafka:up/kafka:down (lock ${lockDir})`);
      announced = true;
      await sleep(250);
    }
  }
  try {
    return await action();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

function isLockStale(lockDir) {
  const pid = Number.parseInt(safeRead(join(lockDir, 'pid')), 10);
  if (!Number.isInteger(pid) || pid <= 0) {
    // The pid is written right after the directory is made; a lock without one for long was left by
    // a process that died in between.
    return Date.now() - statSync(lockDir, { throwIfNoEntry: false })?.mtimeMs > 10_000;
  }
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return error.code === 'ESRCH';
  }
}

function safeRead(file) {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

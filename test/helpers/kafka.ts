import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Comma-separated bootstrap addresses of the broker that test/global-setup-kafka.ts found or started. */
    kafkaBrokers?: string;
  }
}

/** A Kafka broker that tests may use, and how to let go of it. */
export interface KafkaForTests {
  brokers: string[];
  /** Stops the broker if this call started it; otherwise does nothing. */
  stop(): Promise<void>;
}

/** What `scripts/kafka/up.mjs --json` reports on its last stdout line. */
export interface DevBroker {
  bootstrap: string;
  /** False when a broker of the same Kafka home was already running and is merely reused. */
  started: boolean;
  pid: number;
  runDir: string;
}

const upScript = fileURLToPath(new URL('../../scripts/kafka/up.mjs', import.meta.url));
const downScript = fileURLToPath(new URL('../../scripts/kafka/down.mjs', import.meta.url));
// The first run fetches the jars with Maven; later runs start in seconds.
const upTimeoutMs = 15 * 60_000;

let brokerOfThisProcess: Promise<DevBroker> | undefined;

/**
 * A Kafka broker for integration tests: `KAFKA_BROKERS` when set (by the developer, or by
 * test/global-setup-kafka.ts through `project.provide`), else a development broker started once per
 * test process with `scripts/kafka/up.mjs`.
 *
 * @example
 * const kafka = await ensureKafka();
 * const client = new Kafka({ brokers: kafka.brokers });
 * // ...
 * await kafka.stop();
 */
export async function ensureKafka(): Promise<KafkaForTests> {
  const configured = process.env.KAFKA_BROKERS || inject('kafkaBrokers');
  if (configured) return { brokers: splitBrokers(configured), stop: async () => {} };

  brokerOfThisProcess ??= startDevBroker();
  const broker = await brokerOfThisProcess;
  return {
    brokers: [broker.bootstrap],
    stop: async () => {
      if (!broker.started) return;
      brokerOfThisProcess = undefined;
      await stopDevBroker(broker);
    },
  };
}

/** Runs `scripts/kafka/up.mjs --json`: starts a development broker, or finds the running one. */
export async function startDevBroker(): Promise<DevBroker> {
  const stdout = await runNodeScript(upScript, ['--json'], upTimeoutMs);
  const lastLine = stdout.trimEnd().split('\n').pop() ?? '';
  return JSON.parse(lastLine) as DevBroker;
}

/** Runs `scripts/kafka/down.mjs` for this broker only (other brokers of the same home keep running). */
export async function stopDevBroker(broker: DevBroker): Promise<void> {
  await runNodeScript(downScript, [broker.bootstrap], 60_000);
}

function splitBrokers(list: string): string[] {
  return list
    .split(',')
    .map((address) => address.trim())
    .filter((address) => address.length > 0);
}

function runNodeScript(script: string, args: string[], timeout: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [script, ...args],
      { timeout, maxBuffer: 8 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`${script} failed: ${error.message}\n${stdout}${stderr}`));
          return;
        }
        resolve(stdout);
      },
    );
  });
}

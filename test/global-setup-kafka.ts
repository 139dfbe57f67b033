/**
 * Vitest global setup: makes one Kafka broker available to the whole test run. With `KAFKA_BROKERS`
 * set, that broker is used as is; otherwise `scripts/kafka/up.mjs` starts a development broker (or
 * reuses one that `npm run kafka:up` left running) and tests receive its address through
 * `inject('kafkaBrokers')`, which `ensureKafka()` in test/helpers/kafka.ts reads.
 */

import type { TestProject } from 'vitest/node';
import { type DevBroker, startDevBroker, stopDevBroker } from './helpers/kafka.js';

/** The broker this run started, to stop at teardown; undefined when it reused one or none was needed. */
let startedHere: DevBroker | undefined;

export async function setup(project: TestProject): Promise<void> {
  const configured = process.env.KAFKA_BROKERS;
  if (configured) {
    project.provide('kafkaBrokers', configured);
    return;
  }
  const broker = await startDevBroker();
  if (broker.started) startedHere = broker;
  process.env.KAFKA_BROKERS = broker.bootstrap;
  project.provide('kafkaBrokers', broker.bootstrap);
}

/** Stops the broker only if this run started it: a developer's `kafka:up` broker keeps running. */
export async function teardown(): Promise<void> {
  if (!startedHere) return;
  const broker = startedHere;
  startedHere = undefined;
  delete process.env.KAFKA_BROKERS;
  await stopDevBroker(broker);
}

#!/usr/bin/env node
// `npm run kafka:down`: stops the development Kafka brokers started by up.mjs (SIGTERM, then SIGKILL
// after 20 s) and removes their run directories. The cached jars stay.
//
// Usage: down.mjs [PORT | 127.0.0.1:PORT ...]   (no argument: every broker of this Kafka home)

import { kafkaHome, listRuns, progress, stopRun, withHomeLock } from './broker-runs.mjs';

async function main() {
  const wantedPorts = process.argv
    .slice(2)
    .filter((arg) => !arg.startsWith('-'))
    .map((arg) => Number(arg.split(':').pop()));
  const home = kafkaHome();
  await withHomeLock(home, async () => {
    const runs = listRuns(home).filter((run) => wantedPorts.length === 0 || wantedPorts.includes(run.port));
    if (runs.length === 0) progress('no broker to stop');
    for (const run of runs) {
      const outcome = await stopRun(run);
      progress(`${run.address}: ${outcome === 'not-running' ? 'was not running; removed' : outcome}`);
    }
  });
}

main().catch((error) => {
  process.stderr.write(`kafka:down failed: ${error.message}\n`);
  process.exit(1);
});

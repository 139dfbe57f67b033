import { parseArgs } from 'node:util';
import { formatEvaluation } from './eval-report.js';
import { checkThresholds, evaluateSeed, poolReports, type SeedEvaluation } from './evaluation.js';

const USAGE = `Usage: npm run eval -- [--seeds 1,2,3] [--keys 48] [--days 35] [--json]

Generates the labelled scenario of each seed, replays it through Keywatch and through a naive rule
set, and prints recall at medium+, false pages per 1,000 key-days, alerts per incident and median
time to detect. Exits 1 when Keywatch misses a target (pooled over the seeds).`;

/** `npm run eval`: Keywatch's own evaluation on generated, labelled scenarios. */
async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      seeds: { type: 'string', default: '1,2,3' },
      keys: { type: 'string' },
      days: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const seeds = values.seeds.split(',').map((seed) => Number(seed.trim()));
  const keys = values.keys === undefined ? undefined : Number(values.keys);
  const days = values.days === undefined ? undefined : Number(values.days);
  if (
    seeds.some((seed) => !Number.isInteger(seed)) ||
    [keys, days].some((n) => n !== undefined && !(n > 0))
  ) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }

  const evaluations: SeedEvaluation[] = [];
  for (const seed of seeds) {
    if (!values.json) process.stderr.write(`seed ${seed}: generating and replaying…\n`);
    evaluations.push(await evaluateSeed(seed, { ...(keys ? { keys } : {}), ...(days ? { days } : {}) }));
  }
  const pooled = {
    engine: poolReports(evaluations.map((evaluation) => evaluation.engine)),
    baseline: poolReports(evaluations.map((evaluation) => evaluation.baseline)),
  };
  const checks = checkThresholds(pooled.engine);
  const pass = checks.every((check) => check.pass);
  if (values.json) {
    process.stdout.write(
      `${JSON.stringify({ seeds: evaluations, pooled, thresholds: checks, pass }, null, 2)}\n`,
    );
  } else {
    process.stdout.write(`${formatEvaluation(evaluations, pooled)}\n\n`);
    const failed = checks.filter((check) => !check.pass).map((check) => check.metric);
    process.stdout.write(pass ? 'All targets met.\n' : `Targets missed: ${failed.join(', ')}.\n`);
  }
  return pass ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 2;
  },
);

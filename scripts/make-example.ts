/**
 * Writes examples/webex-keys.ndjson and its ground truth, examples/webex-keys.labels.json, with the
 * scenario generator: four days of five Webex app keys with one incident (recon from a new country
 * on day 4). Deterministic: running it again gives the same bytes.
 *
 *   npx tsx scripts/make-example.ts
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderExample } from '../src/scenarios/example.js';

const MAX_BYTES = 2 * 1024 * 1024;

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const examples = join(root, 'examples');
const { ndjson, labels, events } = renderExample();
const bytes = Buffer.byteLength(ndjson);
if (bytes > MAX_BYTES) {
  process.stderr.write(`The example would be ${bytes} bytes; keep it under ${MAX_BYTES}.\n`);
  process.exit(1);
}
writeFileSync(join(examples, 'webex-keys.ndjson'), ndjson);
writeFileSync(join(examples, 'webex-keys.labels.json'), labels);
// The repository's formatter owns JSON layout: leave the labels the way `npm run lint` wants them.
execFileSync(
  join(root, 'node_modules', '.bin', 'biome'),
  ['format', '--write', join(examples, 'webex-keys.labels.json')],
  {
    stdio: 'ignore',
  },
);
process.stdout.write(`wrote examples/webex-keys.ndjson: ${events} events, ${bytes} bytes\n`);

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { builtInDetectors } from '../detectors/index.js';
import { renderDefaultConfig } from '../src/config/document.js';
import { packageRoot } from '../src/config/load.js';

const target = join(packageRoot(), 'config', 'default.yaml');
writeFileSync(target, renderDefaultConfig(builtInDetectors));
process.stdout.write(`wrote ${target}\n`);

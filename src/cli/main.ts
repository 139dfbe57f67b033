#!/usr/bin/env node
import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type KeywatchConfig, loadConfig, packageRoot } from '../config/load.js';
import { isKeywatchError, KeywatchError } from '../errors.js';
import { replayCommand } from './replay-command.js';
import { scoreSeries } from './score-series.js';

const USAGE = `Usage:
  keywatch serve [--config FILE]                 run the service (API, live stream, webhooks, Kafka)
  keywatch replay FILE|- [--format F] [--config FILE] [--dead-letter FILE] [--no-progress]
                                                 run the engine over NDJSON events; alerts as NDJSON on stdout
  keywatch score-series FILE.csv                 score a univariate timestamp,value series
  keywatch --version | --help
`;

function usageError(message: string): KeywatchError {
  return new KeywatchError('KW_ERR_USAGE', `${message}\n\n${USAGE}`);
}

function configFrom(path: string | undefined, format: string | undefined): KeywatchConfig {
  const overrides: Record<string, unknown> = {};
  if (format !== undefined) overrides.events = { format };
  return loadConfig({ ...(path !== undefined ? { path } : {}), overrides });
}

/** Runs one CLI invocation; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === '--version' || command === '-v') {
    const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
    process.stdout.write(`${pkg.version}\n`);
    return 0;
  }
  switch (command) {
    case 'replay': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          config: { type: 'string', short: 'c' },
          format: { type: 'string', short: 'f' },
          'dead-letter': { type: 'string' },
          'no-progress': { type: 'boolean' },
        },
      });
      if (positionals.length !== 1)
        throw usageError('replay takes exactly one FILE (or - for standard input)');
      await replayCommand({
        file: positionals[0]!,
        config: configFrom(values.config, values.format),
        stdout: process.stdout,
        stderr: process.stderr,
        ...(values['dead-letter'] ? { deadLetterFile: values['dead-letter'] } : {}),
        progress: !values['no-progress'],
      });
      return 0;
    }
    case 'score-series': {
      const { positionals } = parseArgs({ args: rest, allowPositionals: true, options: {} });
      if (positionals.length !== 1)
        throw usageError('score-series takes exactly one FILE.csv (or - for standard input)');
      const file = positionals[0]!;
      const input = file === '-' ? process.stdin : createReadStream(file);
      await scoreSeries(input, process.stdout, process.stderr);
      return 0;
    }
    case 'serve': {
      const { values } = parseArgs({ args: rest, options: { config: { type: 'string', short: 'c' } } });
      const { serve } = await import('../server.js');
      await serve({ ...(values.config !== undefined ? { configPath: values.config } : {}) });
      return 0;
    }
    default:
      throw usageError(`unknown command "${command}"`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (isKeywatchError(error)) {
      process.stderr.write(`keywatch: ${error.code}: ${error.message}\n`);
      process.exitCode = error.code === 'KW_ERR_USAGE' ? 2 : 1;
    } else if ((error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      process.stderr.write(`keywatch: KW_ERR_USAGE: ${(error as Error).message}\n\n${USAGE}`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`keywatch: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
      process.exitCode = 1;
    }
  },
);

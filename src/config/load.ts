import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { KeywatchError } from '../errors.js';
import { type KeywatchConfigInput, KeywatchConfigSchema } from './schema.js';
import { validateSection } from './validate.js';

/** The validated, frozen configuration. Detector sections are validated later by the registry. */
export type KeywatchConfig = Readonly<KeywatchConfigInput>;

/** The repository (or installed package) root: where `config/default.yaml` lives. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 6; depth++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'config'))) return dir;
    dir = dirname(dir);
  }
  throw new KeywatchError('KW_ERR_CONFIG_UNREADABLE', 'Cannot locate the Keywatch package root');
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** Reads a YAML file into a plain object; a parse error names the file and the line. */
export function readYamlFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new KeywatchError(
      'KW_ERR_CONFIG_UNREADABLE',
      `Cannot read configuration file ${path}: ${(error as Error).message}`,
    );
  }
  try {
    return parseYaml(text) ?? {};
  } catch (error) {
    throw new KeywatchError(
      'KW_ERR_CONFIG_UNREADABLE',
      `Configuration file ${path} is not valid YAML: ${(error as Error).message}`,
    );
  }
}

/**
 * Builds the configuration: schema defaults, then the file at `path` (if any), then `overrides`.
 * Unknown or invalid settings stop start-up with a message naming the setting.
 *
 * @example const config = loadConfig({ path: 'config/production.yaml' });
 */
export function loadConfig(
  options: { path?: string; overrides?: Record<string, unknown> } = {},
): KeywatchConfig {
  const fromFile = options.path ? readYamlFile(options.path) : {};
  if (fromFile === null || typeof fromFile !== 'object' || Array.isArray(fromFile)) {
    throw new KeywatchError(
      'KW_ERR_CONFIG_INVALID',
      `Invalid configuration: ${options.path} must hold a mapping of settings`,
    );
  }
  const merged = mergeSettings(fromFile as Record<string, unknown>, options.overrides ?? {});
  const config = validateSection<KeywatchConfigInput>(KeywatchConfigSchema, merged, '');
  const { medium, high, critical } = config.engine.severity;
  if (!(medium < high && high < critical)) {
    throw new KeywatchError(
      'KW_ERR_CONFIG_INVALID',
      'Invalid configuration: setting "engine.severity" must rise: medium < high < critical',
      { setting: 'engine.severity' },
    );
  }
  return deepFreeze(config);
}

/** Deep merge of plain objects; arrays and scalars of `override` replace those of `base`. */
export function mergeSettings(
  base: Record<string, unknown>,
  override: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = out[key];
    out[key] =
      isPlainObject(current) && isPlainObject(value) ? mergeSettings(current, value) : structuredClone(value);
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

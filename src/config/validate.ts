import type { TSchema } from 'typebox';
import Value from 'typebox/value';
import { KeywatchError } from '../errors.js';

/** `/engine/severity/medium` → `engine.severity.medium` (with a prefix for nested sections). */
function settingPath(prefix: string, instancePath: string): string {
  const parts = instancePath
    .split('/')
    .filter((part) => part !== '')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
  return [prefix, ...parts].filter((part) => part !== '').join('.');
}

/**
 * Fills defaults into a copy of `input` and checks it against `schema`; the first problem stops
 * start-up with a message that names the setting (never its value, which may be a secret).
 *
 * @example validateSection(EngineConfig, { episodeQuietMinutes: 0 }, 'engine')
 * // throws KW_ERR_CONFIG_INVALID: setting "engine.episodeQuietMinutes" must be > 0
 */
export function validateSection<T>(schema: TSchema, input: unknown, prefix: string): T {
  const value = Value.Default(schema, structuredClone(input ?? {}));
  const errors = [...Value.Errors(schema, value)];
  if (errors.length > 0) {
    // Prefer the most specific error: unknown settings are reported as "schema is false" at their path.
    const first = errors.find((error) => error.keyword === 'boolean') ?? errors[0]!;
    const path = settingPath(prefix, first.instancePath) || prefix || '(root)';
    const message =
      first.keyword === 'boolean'
        ? 'is not a known setting'
        : first.message.replace(/^schema is false$/, 'is not allowed');
    throw new KeywatchError('KW_ERR_CONFIG_INVALID', `Invalid configuration: setting "${path}" ${message}`, {
      setting: path,
    });
  }
  return value as T;
}

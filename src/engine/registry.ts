import type { AnyDetector } from '../../detectors/types.js';
import { validateSection } from '../config/validate.js';
import { KeywatchError } from '../errors.js';

/** A detector with its validated config and what `prepare` compiled from it. */
export interface PreparedDetector {
  definition: AnyDetector;
  /** Validated config with defaults filled (what the API shows). */
  config: Record<string, unknown>;
  /** What `evaluate` receives: `prepare(config)` or the config itself. */
  prepared: unknown;
}

/**
 * Checks the detector list (unique ids) and each detector's config section against its schema, then
 * prepares every detector once. A section for an unknown detector id stops start-up.
 *
 * @example const detectors = prepareDetectors(builtInDetectors, config.detectors);
 */
export function prepareDetectors(
  definitions: readonly AnyDetector[],
  sections: Readonly<Record<string, unknown>>,
): PreparedDetector[] {
  const ids = new Set<string>();
  for (const definition of definitions) {
    if (ids.has(definition.id)) {
      throw new KeywatchError('KW_ERR_DETECTOR_DUPLICATE', `Two detectors share the id "${definition.id}"`);
    }
    ids.add(definition.id);
  }
  for (const id of Object.keys(sections)) {
    if (!ids.has(id)) {
      throw new KeywatchError(
        'KW_ERR_DETECTOR_UNKNOWN',
        `Invalid configuration: setting "detectors.${id}" names no detector (known: ${[...ids].join(', ')})`,
        { setting: `detectors.${id}` },
      );
    }
  }
  return definitions.map((definition) => {
    const config = validateSection<Record<string, unknown>>(
      definition.configSchema,
      sections[definition.id] ?? {},
      `detectors.${definition.id}`,
    );
    Object.freeze(config);
    const prepared = definition.prepare ? definition.prepare(config) : config;
    return { definition, config, prepared };
  });
}

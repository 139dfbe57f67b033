import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtInDetectors } from '../../detectors/index.js';
import { renderDefaultConfig } from '../../src/config/document.js';
import { overridesFromEnv } from '../../src/config/env.js';
import { loadConfig, packageRoot } from '../../src/config/load.js';
import { prepareDetectors } from '../../src/engine/registry.js';

function writeConfig(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'kw-config-')), 'config.yaml');
  writeFileSync(path, text);
  return path;
}

describe('configuration', () => {
  it('documents every setting in config/default.yaml exactly as the schemas define them', () => {
    const committed = readFileSync(join(packageRoot(), 'config', 'default.yaml'), 'utf8');
    expect(committed).toBe(renderDefaultConfig(builtInDetectors));
  });

  it('loads config/default.yaml itself as a valid configuration equal to the defaults', () => {
    const fromFile = loadConfig({ path: join(packageRoot(), 'config', 'default.yaml') });
    const defaults = loadConfig();
    expect({ ...fromFile, detectors: {} }).toEqual(defaults);
    const configs = (sections: Record<string, unknown>) =>
      prepareDetectors(builtInDetectors, sections).map((detector) => detector.config);
    expect(configs(fromFile.detectors)).toEqual(configs(defaults.detectors));
  });

  it.each([
    ['engine:\n  episodeQuietMinutes: 0\n', 'engine.episodeQuietMinutes'],
    ['engine:\n  severty: {}\n', 'engine.severty'],
    ['server:\n  port: "eighty"\n', 'server.port'],
    ['events:\n  format: syslog\n', 'events.format'],
    ['policies:\n  keys:\n    k1:\n      allowCountries: [germany]\n', 'policies.keys.k1.allowCountries.0'],
    ['colour: blue\n', 'colour'],
    ['engine:\n  severity:\n    high: 0.4\n', 'engine.severity'],
  ])('stops start-up naming the setting for %j', (yaml, setting) => {
    expect(() => loadConfig({ path: writeConfig(yaml) })).toThrowError(
      expect.objectContaining({
        code: 'KW_ERR_CONFIG_INVALID',
        message: expect.stringContaining(`"${setting}"`),
      }),
    );
  });

  it("validates each detector's section against its own schema and rejects unknown detectors", () => {
    const bad = loadConfig({ path: writeConfig('detectors:\n  odd-hours:\n    halfLifeDays: -1\n') });
    expect(() => prepareDetectors(builtInDetectors, bad.detectors)).toThrowError(
      expect.objectContaining({ message: expect.stringContaining('"detectors.odd-hours.halfLifeDays"') }),
    );
    const unknown = loadConfig({ path: writeConfig('detectors:\n  odd-hourz: {}\n') });
    expect(() => prepareDetectors(builtInDetectors, unknown.detectors)).toThrowError(
      expect.objectContaining({
        code: 'KW_ERR_DETECTOR_UNKNOWN',
        message: expect.stringContaining('detectors.odd-hourz'),
      }),
    );
  });

  it('reports YAML that does not parse with the file name', () => {
    const path = writeConfig('engine: [unclosed\n');
    expect(() => loadConfig({ path })).toThrowError(
      expect.objectContaining({ code: 'KW_ERR_CONFIG_UNREADABLE', message: expect.stringContaining(path) }),
    );
  });

  it('takes the port and database from the environment, naming a bad variable', () => {
    expect(overridesFromEnv({ KEYWATCH_PORT: '9090', KEYWATCH_DATABASE_URL: 'sqlite:/tmp/x.db' })).toEqual({
      server: { port: 9090 },
      store: { url: 'sqlite:/tmp/x.db' },
    });
    expect(() => overridesFromEnv({ KEYWATCH_PORT: '80a' })).toThrowError(/KEYWATCH_PORT/);
  });

  it('freezes the loaded configuration', () => {
    const config = loadConfig();
    expect(Object.isFrozen(config.engine)).toBe(true);
  });
});

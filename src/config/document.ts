import type { TSchema } from 'typebox';
import Value from 'typebox/value';
import type { AnyDetector } from '../../detectors/types.js';
import { KeywatchConfigSchema } from './schema.js';

interface SchemaNode {
  type?: string;
  description?: string;
  properties?: Record<string, SchemaNode>;
  default?: unknown;
}

const HEADER = `# Keywatch configuration: every setting with its default and what it does.
# Generated from the settings' schemas by \`npx tsx scripts/gen-default-config.ts\`; a test checks that
# this file and the schemas agree. Copy the settings you change into your own file and pass it with
# --config (keywatch replay / serve); unknown or invalid settings stop start-up naming the setting.
`;

function scalar(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(scalar).join(', ')}]`;
  if (typeof value === 'string') return JSON.stringify(value);
  return JSON.stringify(value ?? null);
}

function wrapComment(text: string, indent: string): string[] {
  const words = text.split(/\s+/);
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    if (line.length + word.length + 1 > 96 - indent.length && line !== '') {
      lines.push(`${indent}# ${line}`);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(`${indent}# ${line}`);
  return lines;
}

function render(schema: SchemaNode, value: Record<string, unknown>, depth: number, out: string[]): void {
  const indent = '  '.repeat(depth);
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    if (child.description) out.push(...wrapComment(child.description, indent));
    const childValue = value[name];
    if (childValue === undefined) {
      out.push(`${indent}# ${name}: (not set)`);
      continue;
    }
    const isObjectSchema = child.type === 'object' && child.properties !== undefined;
    if (
      isObjectSchema &&
      childValue !== null &&
      typeof childValue === 'object' &&
      !Array.isArray(childValue)
    ) {
      if (Object.values(childValue).every((entry) => entry === undefined)) {
        // An empty mapping must stay a mapping in YAML; its possible settings are listed as comments.
        out.push(`${indent}${name}: {}`);
        render(child, {}, depth + 1, out);
        continue;
      }
      out.push(`${indent}${name}:`);
      render(child, childValue as Record<string, unknown>, depth + 1, out);
    } else {
      out.push(`${indent}${name}: ${scalar(childValue)}`);
    }
  }
}

/**
 * Renders `config/default.yaml`: every setting of the engine and of each detector, with its
 * description as a comment and its default as the value.
 */
export function renderDefaultConfig(detectors: readonly AnyDetector[]): string {
  const out: string[] = [HEADER];
  const defaults = Value.Default(KeywatchConfigSchema, {}) as Record<string, unknown>;
  const root = KeywatchConfigSchema as unknown as SchemaNode;
  for (const [section, schema] of Object.entries(root.properties ?? {})) {
    if (section === 'detectors') continue;
    if (schema.description) out.push(...wrapComment(schema.description, ''));
    out.push(`${section}:`);
    render(schema, (defaults[section] ?? {}) as Record<string, unknown>, 1, out);
    out.push('');
  }
  out.push(...wrapComment("Each detector's settings, by detector id (see detectors/<id>/README.md).", ''));
  out.push('detectors:');
  for (const detector of detectors) {
    out.push(...wrapComment(`${detector.title}: ${detector.description}`, '  '));
    out.push(`  ${detector.id}:`);
    const detectorDefaults = Value.Default(detector.configSchema as TSchema, {}) as Record<string, unknown>;
    render(detector.configSchema as unknown as SchemaNode, detectorDefaults, 2, out);
  }
  out.push('');
  return out.join('\n');
}

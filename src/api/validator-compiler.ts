import type { FastifySchemaCompiler } from 'fastify';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';

type ScalarType = 'integer' | 'number' | 'boolean';

const INTEGER_TEXT = /^-?(0|[1-9][0-9]{0,15})$/;
const NUMBER_TEXT = /^-?(0|[1-9][0-9]{0,15})(\.[0-9]{1,16})?$/;

/** The query/params text of a scalar as its type, or the text unchanged so validation refuses it. */
function convertScalar(text: unknown, type: ScalarType): unknown {
  if (typeof text !== 'string') return text;
  if (type === 'boolean') return text === 'true' ? true : text === 'false' ? false : text;
  if (type === 'integer') return INTEGER_TEXT.test(text) ? Number(text) : text;
  return NUMBER_TEXT.test(text) ? Number(text) : text;
}

/** The top-level properties of an object schema that are not strings. */
function scalarProperties(schema: TSchema): Array<[string, ScalarType]> {
  const properties = (schema as { properties?: Record<string, { type?: unknown }> }).properties ?? {};
  const scalars: Array<[string, ScalarType]> = [];
  for (const [name, property] of Object.entries(properties)) {
    if (property.type === 'integer' || property.type === 'number' || property.type === 'boolean') {
      scalars.push([name, property.type]);
    }
  }
  return scalars;
}

/**
 * Fastify validator compiler over TypeBox. Bodies are checked exactly as sent: no coercion, no
 * defaults, and unknown fields rejected rather than stripped. Query strings and path params are
 * flat text, so their integer, number and boolean fields are converted first, strictly: `limit=10`
 * is 10, while `1.5`, `0x10`, ` 5` or `1e2` stay text and are refused (TypeBox's own conversion
 * would quietly read them as numbers).
 */
export const strictValidatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const validator = Compile(schema);
  const scalars = httpPart === 'body' ? [] : scalarProperties(schema);
  return (value: unknown) => {
    let input = value;
    if (scalars.length > 0 && typeof value === 'object' && value !== null) {
      const converted: Record<string, unknown> = { ...(value as Record<string, unknown>) };
      for (const [name, type] of scalars) {
        if (Object.hasOwn(converted, name)) converted[name] = convertScalar(converted[name], type);
      }
      input = converted;
    }
    if (validator.Check(input)) return { value: input };
    return { error: validator.Errors(input) as unknown as Error };
  };
};

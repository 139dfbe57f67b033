/** One schema violation as TypeBox (and Ajv) report it. */
export interface SchemaViolation {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
}

const MAX_NAME_CHARS = 64;

/** A request-supplied name, quoted and bounded so a message never echoes a long or odd input. */
function quoteName(name: string): string {
  const bounded = name.length > MAX_NAME_CHARS ? `${name.slice(0, MAX_NAME_CHARS)}…` : name;
  return JSON.stringify(bounded);
}

/** `/allowCidrs/3` in part `body` → `body.allowCidrs[3]`. */
export function fieldName(part: string, instancePath: string): string {
  let name = part;
  if (instancePath === '') return name;
  for (const raw of instancePath.slice(1).split('/')) {
    const segment = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (/^\d+$/.test(segment)) name += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(segment)) name += `.${segment}`;
    else name += `[${quoteName(segment)}]`;
  }
  return name;
}

/** `object` → `an object`, `string` → `a string`. */
function withArticle(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function describeOne(violation: SchemaViolation, siblings: SchemaViolation[], part: string): string {
  const field = fieldName(part, violation.instancePath);
  const params = violation.params;
  switch (violation.keyword) {
    case 'additionalProperties': {
      const names = (params.additionalProperties as unknown[] | string | undefined) ?? [];
      const first = Array.isArray(names) ? names[0] : names;
      return `${field} has an unknown field ${quoteName(String(first))}`;
    }
    case 'required': {
      const names = (params.requiredProperties ?? params.missingProperty) as unknown[] | string | undefined;
      const first = Array.isArray(names) ? names[0] : names;
      return `${field} is missing the required field ${quoteName(String(first))}`;
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[] | undefined) ?? [];
      return `${field} must be one of: ${allowed.join(', ')}`;
    }
    case 'anyOf': {
      // The branches' own errors at the same place say what was expected (object, array…).
      const expected = siblings
        .filter((other) => other.keyword === 'type' && other.instancePath === violation.instancePath)
        .map((other) => String(other.params.type));
      return expected.length > 0
        ? `${field} must be ${expected.map(withArticle).join(' or ')}`
        : `${field} does not match any allowed form`;
    }
    default:
      return `${field} ${violation.message ?? 'is not valid'}`;
  }
}

// Most telling first: an unknown or missing field explains more than the type errors it causes.
const KEYWORD_RANK: Record<string, number> = { additionalProperties: 0, required: 1, anyOf: 3, boolean: 9 };

/**
 * One sentence naming the offending field of the first violation worth reporting, e.g.
 * `querystring has an unknown field "colour"` or `body.note must not have more than 2000 characters`.
 */
export function describeViolations(violations: readonly SchemaViolation[], part: string): string {
  if (violations.length === 0) return `${part} is not valid`;
  let best = violations[0]!;
  for (const violation of violations) {
    if ((KEYWORD_RANK[violation.keyword] ?? 2) < (KEYWORD_RANK[best.keyword] ?? 2)) best = violation;
  }
  // A union's branch errors are reported through the union itself.
  const union = violations.find((violation) => violation.keyword === 'anyOf');
  if (union && best.keyword === 'type' && best.instancePath === union.instancePath) best = union;
  return describeOne(best, [...violations], part);
}

/**
 * Fastify `schemaErrorFormatter`: turns validation errors into an Error whose message names the
 * field; the error handler answers it as 400 KW_ERR_BAD_REQUEST.
 */
export function formatSchemaErrors(errors: unknown, dataVar: string): Error {
  const violations = Array.isArray(errors)
    ? (errors as SchemaViolation[])
    : [...(errors as Iterable<SchemaViolation>)];
  return new Error(describeViolations(violations, dataVar));
}

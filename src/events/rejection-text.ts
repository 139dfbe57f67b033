/** Longest piece of a hostile value repeated in a rejection message. */
const MAX_ECHO_CHARS = 64;

/**
 * A short, safe rendering of an input value for a rejection message: strings are quoted and cut to
 * 64 characters (control characters escaped by JSON quoting), other values are named by type.
 *
 * @example quoteValue('x'.repeat(500)) // '"xxxx…x…" (500 characters)'
 */
export function quoteValue(value: unknown): string {
  if (typeof value === 'string') {
    if (value.length <= MAX_ECHO_CHARS) return JSON.stringify(value);
    return `${JSON.stringify(value.slice(0, MAX_ECHO_CHARS))}… (${value.length} characters)`;
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value).slice(0, MAX_ECHO_CHARS);
  }
  return describeType(value);
}

/** `a string`, `a number`, `null`, `an array`, `an object`… */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}

/** A message cut to a bounded length (parser messages may quote the input). */
export function boundedMessage(message: string, maxChars = 160): string {
  return message.length <= maxChars ? message : `${message.slice(0, maxChars)}…`;
}

import { describe, expect, test } from 'vitest';
import { describeViolations, fieldName } from '../../src/api/validation-message.js';

describe('fieldName', () => {
  test.each([
    ['body', '', 'body'],
    ['body', '/note', 'body.note'],
    ['body', '/allowCidrs/3', 'body.allowCidrs[3]'],
    ['body', '/a~1b', 'body["a/b"]'],
    ['body', '/weird key', 'body["weird key"]'],
    ['querystring', `/${'x'.repeat(100)}`, `querystring["${'x'.repeat(64)}…"]`],
  ])('names %s %s as %s', (part, path, name) => {
    expect(fieldName(part, path)).toBe(name);
  });
});

describe('describeViolations', () => {
  test('prefers an unknown field over the errors it causes', () => {
    const message = describeViolations(
      [
        { keyword: 'boolean', instancePath: '/colour', params: {}, message: 'schema is false' },
        { keyword: 'additionalProperties', instancePath: '', params: { additionalProperties: ['colour'] } },
      ],
      'body',
    );
    expect(message).toBe('body has an unknown field "colour"');
  });

  test('names a missing required field', () => {
    expect(
      describeViolations(
        [{ keyword: 'required', instancePath: '', params: { requiredProperties: ['status'] } }],
        'body',
      ),
    ).toBe('body is missing the required field "status"');
  });

  test('lists the allowed values of an enum', () => {
    expect(
      describeViolations(
        [{ keyword: 'enum', instancePath: '/status', params: { allowedValues: ['open', 'resolved'] } }],
        'body',
      ),
    ).toBe('body.status must be one of: open, resolved');
  });

  test('says which forms a union allows', () => {
    expect(
      describeViolations(
        [
          { keyword: 'type', instancePath: '', params: { type: 'object' }, message: 'must be object' },
          { keyword: 'type', instancePath: '', params: { type: 'array' }, message: 'must be array' },
          { keyword: 'anyOf', instancePath: '', params: {}, message: 'must match a schema in anyOf' },
        ],
        'body',
      ),
    ).toBe('body must be an object or an array');
  });

  test('quotes and bounds an unknown field name taken from the request', () => {
    const message = describeViolations(
      [
        {
          keyword: 'additionalProperties',
          instancePath: '',
          params: { additionalProperties: [`<script>${'x'.repeat(200)}`] },
        },
      ],
      'querystring',
    );
    expect(message.length).toBeLessThan(120);
    expect(message).toContain('"<script>x');
  });
});

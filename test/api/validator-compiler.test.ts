import Type from 'typebox';
import { describe, expect, test } from 'vitest';
import { strictValidatorCompiler } from '../../src/api/validator-compiler.js';

const Query = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1 })),
    ratio: Type.Optional(Type.Number()),
    on: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

function validate(httpPart: string, schema: typeof Query, value: unknown) {
  const check = strictValidatorCompiler({ schema, httpPart, method: 'GET', url: '/' }) as (
    value: unknown,
  ) => {
    value?: unknown;
    error?: unknown;
  };
  return check(value);
}

describe('strictValidatorCompiler', () => {
  test.each([
    [{ limit: '10' }, { limit: 10 }],
    [{ ratio: '-0.25' }, { ratio: -0.25 }],
    [{ on: 'true' }, { on: true }],
    [{ on: 'false' }, { on: false }],
  ])('converts the query %j to %j', (query, expected) => {
    expect(validate('querystring', Query, query)).toEqual({ value: expected });
  });

  test.each([
    { limit: '1.5' },
    { limit: '0x10' },
    { limit: ' 5' },
    { limit: '1e2' },
    { limit: '' },
    { limit: '+5' },
    { limit: '007' },
    { on: 'yes' },
    { limit: ['1', '2'] },
    { extra: '1' },
  ])('refuses the query %j instead of guessing a number', (query) => {
    expect(validate('querystring', Query, query).error).toBeDefined();
  });

  test('checks a body exactly as sent: no conversion of text to numbers', () => {
    expect(validate('body', Query, { limit: '10' }).error).toBeDefined();
    expect(validate('body', Query, { limit: 10 })).toEqual({ value: { limit: 10 } });
  });
});

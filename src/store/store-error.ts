import { isKeywatchError, KeywatchError } from '../errors.js';

/**
 * A driver failure as a KW_ERR_STORE naming the operation, with the original error as `cause`. Errors
 * that already carry a Keywatch code (a bad cursor, say) pass through unchanged.
 */
export function storeError(
  operation: string,
  error: unknown,
  details: Record<string, unknown> = {},
): KeywatchError {
  if (isKeywatchError(error)) return error as KeywatchError;
  const message = error instanceof Error ? error.message : String(error);
  const failure = new KeywatchError('KW_ERR_STORE', `${operation} failed: ${message}`, {
    operation,
    ...details,
  });
  failure.cause = error;
  return failure;
}

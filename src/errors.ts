/**
 * The catalogue of Keywatch's coded errors. Codes are stable: operators grep for them and the HTTP API
 * returns them as `{ "error": { "code": "KW_ERR_…", "message": "…" } }`.
 */
export const ERROR_CODES = {
  KW_ERR_CONFIG_INVALID: 'A setting in the configuration is invalid',
  KW_ERR_CONFIG_UNREADABLE: 'The configuration file cannot be read or parsed',
  KW_ERR_DETECTOR_DUPLICATE: 'Two detectors share one id',
  KW_ERR_DETECTOR_UNKNOWN: 'A configuration section names a detector that does not exist',
  KW_ERR_INVALID_CIDR: 'A CIDR range is not valid',
  KW_ERR_INPUT_UNREADABLE: 'An input file cannot be read',
  KW_ERR_USAGE: 'The command line is not valid',
  KW_ERR_STORE: 'The store failed',
  KW_ERR_STATE_VERSION: 'A stored state has a version this build cannot read',
  KW_ERR_BAD_REQUEST: 'The request is not valid',
  KW_ERR_UNAUTHORIZED: 'A valid bearer token is required',
  KW_ERR_FORBIDDEN: 'The token lacks the scope this route needs',
  KW_ERR_NOT_FOUND: 'No such resource',
  KW_ERR_CONFLICT: 'The resource is in a conflicting state',
  KW_ERR_PAYLOAD_TOO_LARGE: 'The request body is too large',
  KW_ERR_RATE_LIMITED: 'Too many requests',
  KW_ERR_UNAVAILABLE: 'The service is not ready',
  KW_ERR_INTERNAL: 'An internal error occurred',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** An error with a stable code; `details` is safe to show (never a secret). */
export class KeywatchError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'KeywatchError';
    this.code = code;
    this.details = details;
  }
}

/** Whether a value is a KeywatchError (also across module copies). */
export function isKeywatchError(value: unknown): value is KeywatchError {
  return (
    value instanceof KeywatchError ||
    (value instanceof Error &&
      (value as { code?: unknown }).code !== undefined &&
      String((value as { code?: unknown }).code).startsWith('KW_ERR_'))
  );
}

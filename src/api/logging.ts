import type { Logger } from 'pino';

/**
 * Log fields that may carry secrets. The API never logs request bodies, and Fastify's request
 * serializer logs no headers; these paths are the safety net for anything that does.
 */
export const API_LOG_REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'headers.cookie',
  'token',
  'secret',
  '*.token',
  '*.secret',
  '*.*.token',
  '*.*.secret',
  'secretsKey',
  '*.secretsKey',
  '*.*.secretsKey',
];

/** The API's child of the service logger, with secrets redacted. */
export function apiLogger(logger: Logger): Logger {
  return logger.child(
    { component: 'api' },
    { redact: { paths: API_LOG_REDACT_PATHS, censor: '[redacted]' } },
  );
}

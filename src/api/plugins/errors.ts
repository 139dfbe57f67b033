import type {
  FastifyError,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  onRequestHookHandler,
} from 'fastify';
import { ERROR_CODES, type ErrorCode, isKeywatchError } from '../../errors.js';

/** HTTP status of each coded error; codes that only occur at start-up or in the CLI are server faults. */
const STATUS_OF_CODE: Record<ErrorCode, number> = {
  KW_ERR_CONFIG_INVALID: 400,
  KW_ERR_CONFIG_UNREADABLE: 500,
  KW_ERR_DETECTOR_DUPLICATE: 500,
  KW_ERR_DETECTOR_UNKNOWN: 500,
  KW_ERR_INVALID_CIDR: 400,
  KW_ERR_INPUT_UNREADABLE: 500,
  KW_ERR_USAGE: 500,
  KW_ERR_STORE: 500,
  KW_ERR_STATE_VERSION: 500,
  KW_ERR_BAD_REQUEST: 400,
  KW_ERR_UNAUTHORIZED: 401,
  KW_ERR_FORBIDDEN: 403,
  KW_ERR_NOT_FOUND: 404,
  KW_ERR_CONFLICT: 409,
  KW_ERR_PAYLOAD_TOO_LARGE: 413,
  KW_ERR_RATE_LIMITED: 429,
  KW_ERR_UNAVAILABLE: 503,
  KW_ERR_INTERNAL: 500,
};

/** What an error becomes on the wire. */
export interface ErrorAnswer {
  status: number;
  code: ErrorCode;
  message: string;
}

/** Fastify's own request errors: fixed messages, so no answer echoes the request's bytes. */
const FASTIFY_ANSWERS: Record<string, ErrorAnswer> = {
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    code: 'KW_ERR_PAYLOAD_TOO_LARGE',
    message: 'The request body is larger than this server accepts',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: 'KW_ERR_BAD_REQUEST',
    message: 'Unsupported Content-Type: send application/json (or application/x-ndjson to /v1/events)',
  },
  FST_ERR_CTP_INVALID_JSON_BODY: {
    status: 400,
    code: 'KW_ERR_BAD_REQUEST',
    message: 'The body is not valid JSON',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    code: 'KW_ERR_BAD_REQUEST',
    message: 'The body is empty but Content-Type is application/json',
  },
  FST_ERR_BAD_URL: {
    status: 400,
    code: 'KW_ERR_BAD_REQUEST',
    message: 'The URL has a malformed percent-encoding',
  },
  FST_ERR_MAX_PARAM_LENGTH: {
    status: 414,
    code: 'KW_ERR_BAD_REQUEST',
    message: 'A path parameter is too long',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    code: 'KW_ERR_BAD_REQUEST',
    message: 'The body size does not match Content-Length',
  },
};

/** The code that stands for an HTTP status Fastify chose itself. */
function codeOfStatus(status: number): ErrorCode {
  if (status === 404) return 'KW_ERR_NOT_FOUND';
  if (status === 413) return 'KW_ERR_PAYLOAD_TOO_LARGE';
  if (status === 429) return 'KW_ERR_RATE_LIMITED';
  if (status === 503) return 'KW_ERR_UNAVAILABLE';
  return 'KW_ERR_BAD_REQUEST';
}

/**
 * Maps any error to its answer. Client errors keep a message that helps the client; server errors get
 * the catalogue's generic sentence, never a stack, SQL or other internal detail.
 */
export function answerFor(error: unknown): ErrorAnswer {
  if (isKeywatchError(error)) {
    const code = error.code in STATUS_OF_CODE ? error.code : 'KW_ERR_INTERNAL';
    const status = STATUS_OF_CODE[code];
    return { status, code, message: status < 500 ? error.message : ERROR_CODES[code] };
  }
  const fastifyError = error as Partial<FastifyError> | null;
  if (fastifyError?.validation) {
    return { status: 400, code: 'KW_ERR_BAD_REQUEST', message: String(fastifyError.message) };
  }
  const known = fastifyError?.code !== undefined ? FASTIFY_ANSWERS[fastifyError.code] : undefined;
  if (known) return { ...known };
  const status = fastifyError?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const code = codeOfStatus(status);
    return { status, code, message: ERROR_CODES[code] };
  }
  return { status: 500, code: 'KW_ERR_INTERNAL', message: ERROR_CODES.KW_ERR_INTERNAL };
}

/** Sends the one error shape of the API. */
export function sendError(reply: FastifyReply, answer: ErrorAnswer): FastifyReply {
  return reply.code(answer.status).send({ error: { code: answer.code, message: answer.message } });
}

/**
 * Fastify's `frameworkErrors` option: errors raised before routing (a malformed percent-encoding in
 * the URL) get the same answer shape as every other error.
 */
export function answerFrameworkError(error: unknown, _request: FastifyRequest, reply: FastifyReply): void {
  sendError(reply, answerFor(error));
}

/**
 * Installs the API's single error handler and its not-found handler (also for unknown routes).
 * `notFoundPreHandler` lets rate limiting cover requests for routes that do not exist.
 */
export function installErrorHandling(
  app: FastifyInstance,
  options: { notFoundPreHandler?: onRequestHookHandler },
) {
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const answer = answerFor(error);
    if (answer.status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: answer.code, status: answer.status }, 'request refused');
    return sendError(reply, answer);
  });
  app.setNotFoundHandler(
    options.notFoundPreHandler ? { preHandler: options.notFoundPreHandler } : {},
    (_request, reply) =>
      sendError(reply, { status: 404, code: 'KW_ERR_NOT_FOUND', message: 'No such route' }),
  );
}

import type { FastifyInstance, FastifyRequest } from 'fastify';

/** Media types read as newline-delimited JSON (`application/ndjson` is the newer name). */
export const NDJSON_TYPES = ['application/x-ndjson', 'application/ndjson'];

/**
 * Splits an NDJSON body into its lines, without parsing them: each line is parsed on its own later,
 * so one bad line is one rejection. `\r\n` endings are accepted; the empty string after a final
 * newline is not a line.
 */
export function splitNdjsonLines(body: string): string[] {
  const lines = body.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    if (line.endsWith('\r')) lines[index] = line.slice(0, -1);
  }
  return lines;
}

/** Whether the request's body was sent as NDJSON. */
export function isNdjsonRequest(request: FastifyRequest): boolean {
  const type = request.headers['content-type'];
  if (type === undefined) return false;
  const mediaType = type.split(';', 1)[0]!.trim().toLowerCase();
  return NDJSON_TYPES.includes(mediaType);
}

/**
 * Registers the NDJSON content-type parser (body → array of line strings) and removes Fastify's
 * text/plain parser, so a body of any other type is 415 rather than a string nobody expects.
 */
export function installBodyParsers(app: FastifyInstance): void {
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser(NDJSON_TYPES, { parseAs: 'string' }, (_request, body, done) => {
    done(null, splitNdjsonLines(body as string));
  });
}

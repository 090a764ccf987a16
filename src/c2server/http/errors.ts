/**
 * The one error handler of the HTTP API: every failure leaves as `{code, message}` with an E4
 * error code and the HTTP status that code means. Fastify's own failures (schema validation, a
 * body too large, malformed JSON, an unknown route) get codes too. A failure the server did not
 * expect answers 500 with a generic message: neither its text nor its stack leaves the process.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { E4ErrorCode, isE4Error, type E4Error } from '../../errors.ts';

export interface HttpError {
  status: number;
  code: E4ErrorCode;
  message: string;
}

/** Codes a caller's request causes, and their statuses; every other code is the server's failure. */
const CLIENT_ERRORS: Partial<Record<E4ErrorCode, number>> = {
  InvalidArgument: 400,
  InvalidKeyLength: 400,
  ZeroKey: 400,
  InvalidTopic: 400,
  InvalidName: 400,
  InvalidId: 400,
  InvalidPublicKey: 400,
  InvalidUtf8: 400,
  UnsupportedOperation: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  AlreadyExists: 409,
  Conflict: 409,
  InputTooLarge: 413,
  RateLimited: 429,
};

/** The HTTP status of an E4 error code (500 for the server's own failures). */
export function statusOf(code: E4ErrorCode): number {
  return CLIENT_ERRORS[code] ?? 500;
}

/** The statuses an error response can have, for the OpenAPI document. */
export const ERROR_STATUSES = [...new Set(Object.values(CLIENT_ERRORS)), 500].sort();

const GENERIC = 'the server could not complete the request';

/** Fastify's failures of a request (`FST_ERR_*`), as E4 errors. */
function fromFastify(error: FastifyError): HttpError | null {
  if (error.validation !== undefined) {
    return { status: 400, code: E4ErrorCode.InvalidArgument, message: error.message };
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, code: E4ErrorCode.InputTooLarge, message: 'the request body is larger than the limit' };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { status: 400, code: E4ErrorCode.InvalidArgument, message: 'the body is not valid JSON' };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, code: E4ErrorCode.InvalidArgument, message: 'the body is empty but its content type is JSON' };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, code: E4ErrorCode.InvalidArgument, message: 'the body must be JSON (content-type: application/json)' };
  }
  // Other client failures Fastify detects (a bad content length, an aborted body…): their
  // messages are Fastify's fixed texts, never the request's data.
  if (typeof error.code === 'string' && error.code.startsWith('FST_ERR_') && error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return { status: error.statusCode, code: E4ErrorCode.InvalidArgument, message: error.message };
  }
  return null;
}

/** The response an error becomes. */
export function toHttpError(error: unknown): HttpError {
  if (isE4Error(error)) {
    const status = statusOf((error as E4Error).code);
    return { status, code: (error as E4Error).code, message: status === 500 ? GENERIC : (error as E4Error).message };
  }
  const fastify = typeof error === 'object' && error !== null ? fromFastify(error as FastifyError) : null;
  return fastify ?? { status: 500, code: E4ErrorCode.Internal, message: GENERIC };
}

/** Fastify's error handler: answers with the typed body; logs the server's own failures. */
export function handleError(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const answer = toHttpError(error);
  if (answer.status >= 500) {
    // The code and name say what failed; E4 messages carry no key, and other errors are logged
    // by name and code only, since their text may quote data.
    const e = error as { name?: unknown; code?: unknown; message?: unknown };
    request.log.error({ code: e.code, error: e.name, detail: isE4Error(error) ? e.message : undefined }, 'request failed');
  }
  reply.code(answer.status).send({ code: answer.code, message: answer.message });
}

/** The handler of a route that does not exist. */
export function handleNotFound(request: FastifyRequest, reply: FastifyReply): void {
  // The path is not echoed: a response never quotes what the request carried.
  reply.code(404).send({ code: E4ErrorCode.NotFound, message: 'no ' + request.method + ' route at this path' });
}

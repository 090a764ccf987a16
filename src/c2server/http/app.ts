/**
 * The key server's HTTP app: the JSON API under /api (a thin layer over `C2Api`), the OpenAPI 3.1
 * document at /openapi.json, and the web console at /. `buildHttpApp` returns the Fastify
 * instance unstarted: the caller listens (or injects requests, in tests) and closes it.
 */
import swagger from '@fastify/swagger';
import rateLimit from '@fastify/rate-limit';
import { Ajv, type Options as AjvOptions } from 'ajv';
import Fastify, { type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import type { C2Api } from '../api.ts';
import { E4ErrorCode, e4Error } from '../../errors.ts';
import { rateLimitKey, registerAuth } from './auth.ts';
import { clientRoutes } from './clientRoutes.ts';
import { consoleRoutes } from './consoleRoutes.ts';
import { handleError, handleNotFound } from './errors.ts';
import { eventRoutes } from './eventRoutes.ts';
import { jobRoutes } from './jobRoutes.ts';
import { topicRoutes } from './topicRoutes.ts';

/** Where a log goes as text lines, by level (the key server's own log). */
export interface LineLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface HttpAppOptions {
  service: C2Api;
  /**
   * Fastify's logger option (pino options, `true`, or `false`, the default), or a `LineLog`: one
   * line per request once answered (`GET /api/clients 200 4 ms`) and one per failure.
   */
  logger?: FastifyServerOptions['logger'] | LineLog;
  /** Requests per token (or per address, before a valid token) per window; `false`: no limit. */
  rateLimit?: { max: number; timeWindowMs: number } | false;
  /** The largest request body, in bytes (default 64 KiB): larger ones answer 413 InputTooLarge. */
  bodyLimit?: number;
}

export const DEFAULT_RATE_LIMIT = { max: 600, timeWindowMs: 60_000 };
export const DEFAULT_BODY_LIMIT = 64 * 1024;

/** Headers on every response: the console's Content Security Policy and no caching of answers that may carry a secret once. */
export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
};

/**
 * Two validators: bodies are checked as sent (a number where a string is expected is refused,
 * never coerced), while path parameters and querystrings, which are text by nature, are
 * converted to the schema's types. Neither removes properties a schema does not list: those are
 * refused.
 */
function validatorCompiler() {
  const common: AjvOptions = { removeAdditional: false, useDefaults: true, allErrors: false, strict: false };
  const bodies = new Ajv({ ...common, coerceTypes: false });
  const text = new Ajv({ ...common, coerceTypes: 'array' });
  return ({ schema, httpPart }: { schema: object; httpPart?: string }) => (httpPart === 'body' ? bodies : text).compile(schema);
}

/**
 * What a log line says of a request: its method and path, not its query string, which may carry
 * what a caller should never have put in a URL (a token, say); never its headers.
 */
function loggedRequest(request: FastifyRequest) {
  return { method: request.method, path: request.url.split('?')[0], remoteAddress: request.ip };
}

/** What a log line says of an answer: its status, and which request it answers (as `loggedRequest`). */
function loggedReply(reply: { statusCode: number; request?: FastifyRequest }) {
  const request = reply.request;
  return { statusCode: reply.statusCode, ...(request === undefined ? {} : { method: request.method, path: request.url.split('?')[0] }) };
}

function isLineLog(logger: HttpAppOptions['logger']): logger is LineLog {
  return typeof logger === 'object' && logger !== null && typeof (logger as Partial<LineLog>).info === 'function';
}

/** pino's levels: 40 warn, 50 error, 60 fatal. */
const WARN_LEVEL = 40;
const ERROR_LEVEL = 50;

interface LogRecord {
  level: number;
  msg?: string;
  req?: { method: string; path: string };
  res?: { statusCode: number; method?: string; path?: string };
  responseTime?: number;
  code?: string;
}

/**
 * pino's JSON lines as text for a `LineLog`. A request's "incoming" line is left out: its
 * "completed" line says the same and how it ended.
 */
function lineStream(log: LineLog): { write(line: string): void } {
  return {
    write(line: string) {
      const record = JSON.parse(line) as LogRecord;
      if (record.msg === 'incoming request') return;
      let text: string;
      if (record.res !== undefined && record.responseTime !== undefined) {
        text = [record.res.method, record.res.path, record.res.statusCode, Math.round(record.responseTime) + ' ms'].filter((p) => p !== undefined).join(' ');
      } else {
        text = (record.msg ?? '') + (record.code === undefined ? '' : ' (' + record.code + ')');
      }
      if (record.level >= ERROR_LEVEL) log.error(text);
      else if (record.level >= WARN_LEVEL) log.warn(text);
      else log.info(text);
    },
  };
}

/** The caller's logger option, with requests and answers logged by `loggedRequest` and `loggedReply`. */
function loggerOption(logger: HttpAppOptions['logger']): FastifyServerOptions['logger'] {
  if (logger === undefined || logger === false) return false;
  const options = logger === true ? {} : isLineLog(logger) ? { level: 'info', stream: lineStream(logger) } : logger;
  return { ...options, serializers: { ...options.serializers, req: loggedRequest, res: loggedReply } };
}

export function buildHttpApp(options: HttpAppOptions): FastifyInstance {
  const { service } = options;
  const app = Fastify({
    logger: loggerOption(options.logger),
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    // Topic names travel URL-encoded in paths: up to 512 bytes, three characters per byte.
    routerOptions: { maxParamLength: 1600 },
    exposeHeadRoutes: false,
    return503OnClosing: true,
    // Closing destroys every connection, idle or not: event streams never end, and clients open
    // spare connections that would hold a stopping server open. A request cut there changed all
    // or nothing (each service call is one transaction).
    forceCloseConnections: true,
  });
  app.setValidatorCompiler(validatorCompiler());
  app.removeContentTypeParser('text/plain');
  app.setErrorHandler(handleError);
  app.setNotFoundHandler(handleNotFound);
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.headers(SECURITY_HEADERS);
    return payload;
  });

  registerAuth(app, service);
  const limit = options.rateLimit ?? DEFAULT_RATE_LIMIT;
  if (limit !== false) {
    app.register(rateLimit, {
      global: true,
      max: limit.max,
      timeWindow: limit.timeWindowMs,
      hook: 'onRequest',
      keyGenerator: rateLimitKey,
      errorResponseBuilder: (_request, context) =>
        e4Error(E4ErrorCode.RateLimited, 'at most ' + context.max + ' requests per ' + context.after + '; retry later'),
    });
  }
  app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'e4ts C2 key server',
        version: '1',
        description:
          'The E4 key server: clients, topics and their keys, rotations, rules, events. Errors are `{code, message}` with an E4 error code. Lists are pages: `limit`, `cursor` → `{items, next}`. Topic names in paths are URL-encoded.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'an API token (scope read or admin)' } } },
    },
  });
  app.register(async (api) => {
    clientRoutes(api, service);
    topicRoutes(api, service);
    jobRoutes(api, service);
    eventRoutes(api, service, SECURITY_HEADERS);
    consoleRoutes(api);
    api.get('/openapi.json', { schema: { hide: true }, config: { scope: 'public' } }, async () => app.swagger());
  });
  return app;
}

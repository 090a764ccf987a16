/**
 * One route's schema and config from a short description: its scope, what it takes and what it
 * answers on success. The error responses follow from those (every route: 400, 401, 429, 500;
 * admin routes: 403 and 409; routes with path parameters: 404; routes with a body: 413 and 415),
 * so the OpenAPI document lists each route's failures the same way.
 */
import type { FastifySchema } from 'fastify';
import type { RouteScope } from './auth.ts';
import { errorBody } from './schemas.ts';

export interface RouteDescription {
  scope: Exclude<RouteScope, 'public'>;
  tag: string;
  summary: string;
  description?: string;
  params?: object;
  querystring?: object;
  headers?: object;
  body?: object;
  /** Success responses by status, each a schema (its `description` is the response's). */
  responses: Record<number, object>;
}

const ERROR_MEANINGS: Record<number, string> = {
  400: 'InvalidArgument (or another input code such as InvalidKeyLength): the request does not match its schema or the service refused a value',
  401: 'Unauthorized: no token, or an unknown, expired or revoked one',
  403: 'Forbidden: a read-only token on an admin route',
  404: 'NotFound: no such client, topic, job, rule or token',
  409: 'AlreadyExists or Conflict: a duplicate name, or a state that forbids the request',
  413: 'InputTooLarge: the body is larger than the limit',
  415: 'InvalidArgument: the body is not JSON',
  429: 'RateLimited: too many requests for this token in the current window',
  500: 'the server failed (code DatabaseFailed, KekMismatch, CommandFailed or Internal); the message is generic',
};

const NO_QUERY = { type: 'object', additionalProperties: false, properties: {} };

/** The error statuses a route can answer, by the rule above. */
export function errorStatuses(route: Pick<RouteDescription, 'scope' | 'params' | 'body'>): number[] {
  const statuses = [400, 401, 429, 500];
  if (route.scope === 'admin') statuses.push(403, 409);
  if (route.params !== undefined) statuses.push(404);
  if (route.body !== undefined) statuses.push(413, 415);
  return statuses.sort();
}

export function routeOptions(route: RouteDescription): { schema: FastifySchema; config: { scope: RouteScope } } {
  const response: Record<number, object> = { ...route.responses };
  for (const status of errorStatuses(route)) response[status] = { ...errorBody, description: ERROR_MEANINGS[status] };
  const schema: FastifySchema = {
    tags: [route.tag],
    summary: route.summary,
    security: [{ bearer: [] }],
    response,
  };
  if (route.description !== undefined) schema.description = route.description;
  if (route.params !== undefined) schema.params = route.params;
  // A route without query parameters refuses any, as a route with some refuses unknown ones.
  schema.querystring = route.querystring ?? NO_QUERY;
  if (route.headers !== undefined) schema.headers = route.headers;
  if (route.body !== undefined) schema.body = route.body;
  return { schema, config: { scope: route.scope } };
}

/** A success response: the schema with its description. */
export function answer(description: string, schema: object = { type: 'null' }): object {
  return { ...schema, description };
}

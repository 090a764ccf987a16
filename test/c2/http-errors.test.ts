/**
 * The HTTP layer's pure parts: the status of each E4 code, Fastify's failures as typed errors, a
 * server failure answered without its text, the bearer header's parsing, and the pages of a
 * list the service returns whole.
 */
import { describe, expect, it } from 'vitest';
import { bearerSecret } from '../../src/c2server/http/auth.ts';
import { statusOf, toHttpError } from '../../src/c2server/http/errors.ts';
import { pageByName } from '../../src/c2server/http/topicRoutes.ts';
import { E4ErrorCode, e4Error } from '../../src/errors.ts';

const fastifyError = (code: string, statusCode: number, extra: object = {}) => Object.assign(new Error('fastify says ' + code), { code, statusCode, ...extra });

describe('error responses', () => {
  it('gives each client-caused code its status, and every other code 500', () => {
    expect(statusOf('InvalidArgument')).toBe(400);
    expect(statusOf('ZeroKey')).toBe(400);
    expect(statusOf('Unauthorized')).toBe(401);
    expect(statusOf('Forbidden')).toBe(403);
    expect(statusOf('NotFound')).toBe(404);
    expect(statusOf('AlreadyExists')).toBe(409);
    expect(statusOf('Conflict')).toBe(409);
    expect(statusOf('InputTooLarge')).toBe(413);
    expect(statusOf('RateLimited')).toBe(429);
    for (const code of ['DatabaseFailed', 'KekMismatch', 'NotAuthentic', 'Internal', 'CommandFailed'] as const) expect(statusOf(code), code).toBe(500);
  });

  it("keeps a client error's message and hides a server failure's", () => {
    expect(toHttpError(e4Error(E4ErrorCode.NotFound, 'no client 00'))).toEqual({ status: 404, code: 'NotFound', message: 'no client 00' });
    const hidden = toHttpError(e4Error(E4ErrorCode.DatabaseFailed, 'insert into clients failed: constraint'));
    expect(hidden).toEqual({ status: 500, code: 'DatabaseFailed', message: 'the server could not complete the request' });
    const thrown = toHttpError(new TypeError("Cannot read properties of undefined (reading 'key')"));
    expect(thrown).toEqual({ status: 500, code: 'Internal', message: 'the server could not complete the request' });
    expect(toHttpError('a string').status).toBe(500);
  });

  it("answers Fastify's failures with E4 codes and fixed messages", () => {
    expect(toHttpError(fastifyError('FST_ERR_VALIDATION', 400, { validation: [{}] }))).toMatchObject({ status: 400, code: 'InvalidArgument' });
    expect(toHttpError(fastifyError('FST_ERR_CTP_BODY_TOO_LARGE', 413))).toMatchObject({ status: 413, code: 'InputTooLarge' });
    expect(toHttpError(fastifyError('FST_ERR_CTP_INVALID_JSON_BODY', 400))).toEqual({ status: 400, code: 'InvalidArgument', message: 'the body is not valid JSON' });
    expect(toHttpError(fastifyError('FST_ERR_CTP_EMPTY_JSON_BODY', 400))).toMatchObject({ status: 400, code: 'InvalidArgument' });
    expect(toHttpError(fastifyError('FST_ERR_CTP_INVALID_MEDIA_TYPE', 415))).toMatchObject({ status: 415, code: 'InvalidArgument' });
    expect(toHttpError(fastifyError('FST_ERR_CTP_INVALID_CONTENT_LENGTH', 400))).toMatchObject({ status: 400, code: 'InvalidArgument' });
    // A 5xx Fastify error, or a status on an error that is not Fastify's, is the server's failure.
    expect(toHttpError(fastifyError('FST_ERR_REP_ALREADY_SENT', 500)).status).toBe(500);
    expect(toHttpError(Object.assign(new Error('upstream'), { statusCode: 404 })).status).toBe(500);
  });
});

describe('bearer tokens', () => {
  it('reads the secret of a Bearer header and nothing else', () => {
    expect(bearerSecret('Bearer e4c2_abc')).toBe('e4c2_abc');
    expect(bearerSecret('bearer   e4c2_abc ')).toBe('e4c2_abc');
    for (const header of [undefined, '', 'Bearer', 'Bearer ', 'Basic abc', 'e4c2_abc', 'Bearer a b', 'Bearer ' + 'x'.repeat(513), 'Bearer é']) {
      expect(bearerSecret(header), String(header)).toBeNull();
    }
  });
});

describe('pages of a whole list', () => {
  const all = ['d', 'a', 'c', 'b', 'e'].map((topic) => ({ topic }));
  const name = (s: { topic: string }) => s.topic;

  it('walks the list in name order, each item once', () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = pageByName(all, { limit: 2, cursor }, name);
      seen.push(...page.items.map(name));
      cursor = page.next ?? undefined;
      pages++;
    } while (cursor !== undefined);
    expect(seen).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(pages).toBe(3);
  });

  it('ends with next null, and is empty after the last name', () => {
    expect(pageByName(all, { limit: 5 }, name)).toEqual({ items: ['a', 'b', 'c', 'd', 'e'].map((topic) => ({ topic })), next: null });
    expect(pageByName(all, { cursor: 'e' }, name)).toEqual({ items: [], next: null });
    expect(pageByName([], {}, name)).toEqual({ items: [], next: null });
  });
});

/**
 * Bad input to every route of the HTTP API, on SQLite and on PostgreSQL: wrong types, unknown
 * properties, oversized and malformed bodies, unknown ids, invalid keys, duplicate names, and a
 * missing, malformed, unknown, expired or revoked token, a read-only token on an admin route.
 * Each answer is a typed error `{code, message}` with the status its code means, one the
 * OpenAPI document lists for the route, and every table of the database is the same after it
 * as before.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddedClient, TopicView } from '../../src/c2server/api.ts';
import { statusOf } from '../../src/c2server/http/errors.ts';
import { isE4Error } from '../../src/errors.ts';
import { generateEd25519KeyPair, generateSymmetricKey } from '../../src/c2.ts';
import { toHex } from '../../src/utils.ts';
import { startHttp, type HttpFixture } from './http-helpers.ts';
import { DIALECTS, testDatabases, type TestDatabases } from './postgres.ts';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

interface Case {
  what: string;
  method: Method;
  url: string;
  body?: unknown;
  /** A raw payload with its content type, for bodies that are not JSON values. */
  raw?: { payload: string; contentType: string };
  headers?: Record<string, string>;
  status: number;
  code?: string;
}

/** A topic whose name needs URL-encoding in a path: slashes, a space, `?`, `&`, `%`. */
const TOPIC = 'plant/1 b/t?x=1&y=%2F';
const enc = encodeURIComponent;
const UNKNOWN_ID = 'f'.repeat(32);

/** Every route, as a request the admin token would make successfully (or nearly: ids exist). */
function routes(ids: { client: string; rule: string; job: string; token: string }): { method: Method; url: string; body?: unknown; admin: boolean }[] {
  return [
    { method: 'POST', url: '/api/clients', body: { name: 'fresh', mode: 'symmetric' }, admin: true },
    { method: 'GET', url: '/api/clients', admin: false },
    { method: 'GET', url: '/api/clients/' + ids.client, admin: false },
    { method: 'PATCH', url: '/api/clients/' + ids.client, body: { name: 'renamed' }, admin: true },
    { method: 'DELETE', url: '/api/clients/' + ids.client, admin: true },
    { method: 'POST', url: '/api/clients/' + ids.client + '/topics', body: { topic: TOPIC, role: 'both' }, admin: true },
    { method: 'DELETE', url: '/api/clients/' + ids.client + '/topics/' + enc(TOPIC), admin: true },
    { method: 'POST', url: '/api/clients/' + ids.client + '/reset', admin: true },
    { method: 'POST', url: '/api/clients/' + ids.client + '/revoke', admin: true },
    { method: 'POST', url: '/api/topics', body: { name: 'new/topic' }, admin: true },
    { method: 'GET', url: '/api/topics', admin: false },
    { method: 'GET', url: '/api/topics/' + enc(TOPIC), admin: false },
    { method: 'DELETE', url: '/api/topics/' + enc(TOPIC), admin: true },
    { method: 'POST', url: '/api/topics/' + enc(TOPIC) + '/rotate', admin: true },
    { method: 'GET', url: '/api/topics/' + enc(TOPIC) + '/stats', admin: false },
    { method: 'GET', url: '/api/stats', admin: false },
    { method: 'GET', url: '/api/jobs', admin: false },
    { method: 'GET', url: '/api/jobs/' + ids.job, admin: false },
    { method: 'GET', url: '/api/events', admin: false },
    { method: 'GET', url: '/api/events/stream', admin: false },
    { method: 'POST', url: '/api/rules', body: { kind: 'rotateEvery', topic: TOPIC, everyMs: 3_600_000 }, admin: true },
    { method: 'GET', url: '/api/rules', admin: false },
    { method: 'DELETE', url: '/api/rules/' + ids.rule, admin: true },
    { method: 'POST', url: '/api/tokens', body: { name: 'another', scope: 'read' }, admin: true },
    { method: 'GET', url: '/api/tokens', admin: true },
    { method: 'GET', url: '/api/c2', admin: false },
    { method: 'DELETE', url: '/api/tokens/' + ids.token, admin: true },
  ];
}

function inputCases(existing: { client: AddedClient; other: AddedClient; topic: TopicView }): Case[] {
  const id = existing.client.client.id;
  const big = 'x'.repeat(70 * 1024);
  const bad = (what: string, method: Method, url: string, body?: unknown, status = 400, code = 'InvalidArgument'): Case => ({ what, method, url, body, status, code });
  return [
    // Clients.
    bad('a name that is a number', 'POST', '/api/clients', { name: 5, mode: 'symmetric' }),
    bad('no mode', 'POST', '/api/clients', { name: 'x' }),
    bad('an unknown mode', 'POST', '/api/clients', { name: 'x', mode: 'rsa' }),
    bad('an unknown property', 'POST', '/api/clients', { name: 'x', mode: 'symmetric', admin: true }),
    bad('a key that is not hex', 'POST', '/api/clients', { name: 'x', mode: 'symmetric', key: 'zz'.repeat(32) }),
    bad('a short key', 'POST', '/api/clients', { name: 'x', mode: 'symmetric', key: 'ab'.repeat(31) }),
    bad('a zero key', 'POST', '/api/clients', { name: 'x', mode: 'symmetric', key: '00'.repeat(32) }, 400, 'ZeroKey'),
    bad('a public-key client without its key', 'POST', '/api/clients', { name: 'x', mode: 'publicKey' }),
    bad('a symmetric client with a public key', 'POST', '/api/clients', { name: 'x', mode: 'symmetric', publicKey: 'ab'.repeat(32) }),
    bad('a public key of the wrong length', 'POST', '/api/clients', { name: 'x', mode: 'publicKey', publicKey: 'ab'.repeat(33) }),
    bad('an id that is not hex', 'POST', '/api/clients', { name: 'x', id: 'g'.repeat(32), mode: 'symmetric' }),
    bad('a name too long', 'POST', '/api/clients', { name: 'n'.repeat(256), mode: 'symmetric' }),
    bad('a name of more than 255 bytes of UTF-8', 'POST', '/api/clients', { name: 'é'.repeat(200), mode: 'symmetric' }, 400, 'InvalidName'),
    bad('a duplicate name', 'POST', '/api/clients', { name: existing.client.client.name, mode: 'symmetric' }, 409, 'AlreadyExists'),
    bad('a duplicate id', 'POST', '/api/clients', { name: 'other name', id, mode: 'symmetric' }, 409, 'AlreadyExists'),
    bad('an array for a body', 'POST', '/api/clients', []),
    bad('a string for a body', 'POST', '/api/clients', 'client'),
    { what: 'malformed JSON', method: 'POST', url: '/api/clients', raw: { payload: '{"name":', contentType: 'application/json' }, status: 400, code: 'InvalidArgument' },
    { what: 'an empty JSON body', method: 'POST', url: '/api/clients', raw: { payload: '', contentType: 'application/json' }, status: 400, code: 'InvalidArgument' },
    { what: 'a body that is not JSON', method: 'POST', url: '/api/clients', raw: { payload: 'name=x', contentType: 'text/plain' }, status: 415, code: 'InvalidArgument' },
    { what: 'a body over the limit', method: 'POST', url: '/api/clients', raw: { payload: JSON.stringify({ name: big, mode: 'symmetric' }), contentType: 'application/json' }, status: 413, code: 'InputTooLarge' },
    bad('limit 0', 'GET', '/api/clients?limit=0'),
    bad('limit over 1000', 'GET', '/api/clients?limit=1001'),
    bad('limit not a number', 'GET', '/api/clients?limit=ten'),
    bad('an unknown status', 'GET', '/api/clients?status=gone'),
    bad('an unknown query parameter', 'GET', '/api/clients?order=name'),
    bad('an empty cursor', 'GET', '/api/clients?cursor='),
    bad('an id that is not hex', 'GET', '/api/clients/not-an-id'),
    bad('an id in upper case', 'GET', '/api/clients/' + id.toUpperCase()),
    bad('an unknown client', 'GET', '/api/clients/' + UNKNOWN_ID, undefined, 404, 'NotFound'),
    bad('renaming an unknown client', 'PATCH', '/api/clients/' + UNKNOWN_ID, { name: 'y' }, 404, 'NotFound'),
    bad('renaming to a number', 'PATCH', '/api/clients/' + id, { name: 7 }),
    bad('renaming to an empty name', 'PATCH', '/api/clients/' + id, { name: '' }),
    bad("renaming to another client's name", 'PATCH', '/api/clients/' + id, { name: existing.other.client.name }, 409, 'AlreadyExists'),
    bad('deleting an unknown client', 'DELETE', '/api/clients/' + UNKNOWN_ID, undefined, 404, 'NotFound'),
    bad('linking an unknown client', 'POST', '/api/clients/' + UNKNOWN_ID + '/topics', { topic: TOPIC, role: 'both' }, 404, 'NotFound'),
    bad('linking an unknown topic', 'POST', '/api/clients/' + id + '/topics', { topic: 'no/such/topic', role: 'both' }, 404, 'NotFound'),
    bad('linking with an unknown role', 'POST', '/api/clients/' + id + '/topics', { topic: TOPIC, role: 'owner' }),
    bad('linking with no topic', 'POST', '/api/clients/' + id + '/topics', { role: 'both' }),
    bad('unlinking an unknown client', 'DELETE', '/api/clients/' + UNKNOWN_ID + '/topics/' + enc(TOPIC), undefined, 404, 'NotFound'),
    bad('unlinking a topic not linked', 'DELETE', '/api/clients/' + id + '/topics/' + enc(TOPIC), undefined, 404, 'NotFound'),
    bad('resetting an unknown client', 'POST', '/api/clients/' + UNKNOWN_ID + '/reset', undefined, 404, 'NotFound'),
    bad('revoking an unknown client', 'POST', '/api/clients/' + UNKNOWN_ID + '/revoke', undefined, 404, 'NotFound'),
    // Topics.
    bad('an empty topic', 'POST', '/api/topics', { name: '' }),
    bad('a topic that is a number', 'POST', '/api/topics', { name: 12 }),
    bad('a topic too long', 'POST', '/api/topics', { name: 't'.repeat(513) }),
    bad('a topic of more than 512 bytes of UTF-8', 'POST', '/api/topics', { name: 'é'.repeat(300) }, 400, 'InvalidTopic'),
    bad('a topic with an MQTT wildcard', 'POST', '/api/topics', { name: 'plant/+/temperature' }, 400, 'InvalidTopic'),
    bad('a topic with an MQTT multi-level wildcard', 'POST', '/api/topics', { name: 'plant/#' }, 400, 'InvalidTopic'),
    bad('a duplicate topic', 'POST', '/api/topics', { name: existing.topic.name }, 409, 'AlreadyExists'),
    bad('an unknown topic', 'GET', '/api/topics/' + enc('no/such/topic'), undefined, 404, 'NotFound'),
    bad('a topic too long in the path', 'GET', '/api/topics/' + 't'.repeat(513)),
    bad('a limit on topics that is negative', 'GET', '/api/topics?limit=-1'),
    bad('deleting an unknown topic', 'DELETE', '/api/topics/' + enc('no/such/topic'), undefined, 404, 'NotFound'),
    bad('rotating an unknown topic', 'POST', '/api/topics/' + enc('no/such/topic') + '/rotate', undefined, 404, 'NotFound'),
    bad('the statistics of an unknown topic', 'GET', '/api/topics/' + enc('no/such/topic') + '/stats', undefined, 404, 'NotFound'),
    bad('statistics with limit 0', 'GET', '/api/stats?limit=0'),
    // Jobs and events.
    bad('an unknown job state', 'GET', '/api/jobs?state=stuck'),
    bad('an unknown job', 'GET', '/api/jobs/' + UNKNOWN_ID, undefined, 404, 'NotFound'),
    bad('a job id with a dot', 'GET', '/api/jobs/a.b'),
    bad('a negative wait', 'GET', '/api/jobs/' + UNKNOWN_ID + '?wait=-1'),
    bad('a wait over a minute', 'GET', '/api/jobs/' + UNKNOWN_ID + '?wait=60001'),
    bad('events after a negative id', 'GET', '/api/events?after=-1'),
    bad('an event type with a space', 'GET', '/api/events?type=' + enc('topic rotated')),
    bad('newest events asked with a word that is not a boolean', 'GET', '/api/events?newest=notabool'),
    { what: 'a Last-Event-ID that is not a number', method: 'GET', url: '/api/events/stream', headers: { 'last-event-id': 'abc' }, status: 400, code: 'InvalidArgument' },
    // Rules.
    bad('an unknown rule kind', 'POST', '/api/rules', { kind: 'rotateSometimes' }),
    bad('rotateEvery without its period', 'POST', '/api/rules', { kind: 'rotateEvery', topic: TOPIC }),
    bad('a period under a second', 'POST', '/api/rules', { kind: 'rotateEvery', topic: TOPIC, everyMs: 10 }),
    bad('a period that is a string', 'POST', '/api/rules', { kind: 'rotateEvery', topic: TOPIC, everyMs: '3600000' }),
    bad('rotateAfterMessages with a period', 'POST', '/api/rules', { kind: 'rotateAfterMessages', topic: TOPIC, everyMs: 1000 }),
    bad('a rule for an unknown topic', 'POST', '/api/rules', { kind: 'rotateEvery', topic: 'no/such/topic', everyMs: 60_000 }, 404, 'NotFound'),
    bad('rules with limit 2000', 'GET', '/api/rules?limit=2000'),
    bad('deleting an unknown rule', 'DELETE', '/api/rules/' + UNKNOWN_ID, undefined, 404, 'NotFound'),
    // Tokens.
    bad('an unknown scope', 'POST', '/api/tokens', { name: 'x', scope: 'root' }),
    bad('a lifetime that is a string', 'POST', '/api/tokens', { name: 'x', scope: 'read', ttlMs: '1d' }),
    bad('a duplicate token name', 'POST', '/api/tokens', { name: 'reader', scope: 'read' }, 409, 'AlreadyExists'),
    bad('tokens filtered by a parameter that does not exist', 'GET', '/api/tokens?scope=admin'),
    bad("C2's key with a parameter", 'GET', '/api/c2?format=pem'),
    bad('revoking an unknown token', 'DELETE', '/api/tokens/' + UNKNOWN_ID, undefined, 404, 'NotFound'),
    bad('a route that does not exist', 'GET', '/api/fleet', undefined, 404, 'NotFound'),
  ];
}

/** The route a request goes to, e.g. `DELETE /api/clients/:id/topics/:topic`. */
function routeShape(method: string, url: string): string {
  const path = url
    .split('?')[0]
    .replace(/^(\/api\/clients\/[^/]+\/topics)\/[^/]+$/, '$1/:topic')
    .replace(/^\/api\/topics\/[^/]+/, '/api/topics/:name')
    .replace(/^\/api\/(clients|jobs|rules|tokens)\/[^/]+/, '/api/$1/:id');
  return method + ' ' + path;
}

describe.each(DIALECTS)('bad input on $dialect', ({ dialect, skip }) => {
  let databases: TestDatabases;
  let fixture: HttpFixture;
  let existing: { client: AddedClient; other: AddedClient; topic: TopicView };
  let ids: { client: string; rule: string; job: string; token: string };
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    if (skip) return;
    databases = await testDatabases(dialect);
    fixture = await startHttp({ dbUrl: await databases.create() });
    const { service } = fixture;
    const client = await service.addClient({ name: 'existing', mode: 'symmetric', key: toHex(generateSymmetricKey()) });
    const other = await service.addClient({ name: 'other', mode: 'publicKey', publicKey: toHex(generateEd25519KeyPair().publicKey) });
    const topic = await service.addTopic(TOPIC);
    const rule = await service.addRule({ kind: 'rotateEvery', topic: TOPIC, everyMs: 86_400_000 });
    existing = { client, other, topic };
    const expired = await service.createToken({ name: 'expired', scope: 'admin', ttlMs: 1 });
    const revoked = await service.createToken({ name: 'revoked', scope: 'admin' });
    await service.revokeToken(revoked.token.id);
    tokens.expired = expired.secret;
    tokens.revoked = revoked.secret;
    ids = { client: client.client.id, rule: rule.id, job: UNKNOWN_ID, token: revoked.token.id };
    await new Promise((r) => setTimeout(r, 10));
  });

  afterAll(async () => {
    await fixture?.close();
    await databases?.close();
  });

  /** Sends the case, checks the typed error and its status, and that the database did not change. */
  async function refused(c: Case, token: string | null) {
    const before = await fixture.snapshot();
    const headers: Record<string, string> = { ...(c.headers ?? {}) };
    if (token !== null) headers.authorization = token.startsWith('Basic ') ? token : 'Bearer ' + token;
    let payload: string | undefined;
    if (c.raw !== undefined) {
      payload = c.raw.payload;
      headers['content-type'] = c.raw.contentType;
    } else if (c.body !== undefined) {
      payload = JSON.stringify(c.body);
      headers['content-type'] = 'application/json';
    }
    const response = await fixture.app.inject({ method: c.method, url: c.url, headers, payload });
    const where = c.method + ' ' + c.url.slice(0, 120) + ' (' + c.what + ')';
    expect(response.statusCode, where + ': ' + response.body).toBe(c.status);
    const body = response.json();
    expect(Object.keys(body).sort(), where).toEqual(['code', 'message']);
    expect(isE4Error(body), where).toBe(true);
    if (c.code !== undefined) expect(body.code, where).toBe(c.code);
    if (c.status !== 415) expect(statusOf(body.code), where).toBe(c.status);
    expect(body.message, where).not.toMatch(/\n\s+at |node_modules|\.ts:\d/);
    expect(await fixture.snapshot(), where + ': the database changed').toEqual(before);
  }

  it.skipIf(skip)('refuses a missing, malformed, unknown, expired or revoked token on every route, and a read token on admin routes', async () => {
    for (const route of routes(ids)) {
      const c = { what: 'no token', ...route, status: 401, code: 'Unauthorized' } as Case;
      await refused(c, null);
      await refused({ ...c, what: 'a Basic credential' }, 'Basic ' + Buffer.from(fixture.admin).toString('base64'));
      await refused({ ...c, what: 'an unknown token' }, 'e4c2_' + 'x'.repeat(40));
      await refused({ ...c, what: 'an expired token' }, tokens.expired);
      await refused({ ...c, what: 'a revoked token' }, tokens.revoked);
      if (route.admin) await refused({ ...c, what: 'a read token', status: 403, code: 'Forbidden' }, fixture.reader);
    }
  });

  it.skipIf(skip)('refuses bad input on every route with a typed error, changing nothing', async () => {
    const covered = new Set<string>();
    for (const c of inputCases(existing)) {
      await refused(c, fixture.admin);
      covered.add(routeShape(c.method, c.url));
    }
    for (const route of routes(ids)) expect(covered.has(routeShape(route.method, route.url)), 'no bad-input case for ' + route.method + ' ' + route.url).toBe(true);
  });
});

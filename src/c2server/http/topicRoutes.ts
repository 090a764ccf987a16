/**
 * /api/topics: topics, their key versions and ages, rotation, and per-topic statistics. A topic
 * name goes in a path URL-encoded, `/` included: `a/b/+` is `/api/topics/a%2Fb%2F%2B`.
 */
import type { FastifyInstance } from 'fastify';
import type { C2Api, PageRequest } from '../api.ts';
import { E4ErrorCode, e4Error } from '../../errors.ts';
import { answer, routeOptions } from './routeSchema.ts';
import { jobView, newTopicBody, pageOf, pageQuery, pathParams, topicName, topicStatsView, topicView } from './schemas.ts';

const tag = 'topics';
const byName = pathParams({ name: topicName });

export function topicRoutes(app: FastifyInstance, service: C2Api): void {
  app.post<{ Body: { name: string } }>(
    '/api/topics',
    routeOptions({ scope: 'admin', tag, summary: 'add a topic (C2 makes its first key)', body: newTopicBody, responses: { 201: answer('the topic', topicView) } }),
    async (request, reply) => {
      reply.code(201);
      return service.addTopic(request.body.name);
    },
  );

  app.get<{ Querystring: PageRequest }>(
    '/api/topics',
    routeOptions({ scope: 'read', tag, summary: 'list topics, with their key ages', querystring: pageQuery(), responses: { 200: answer('a page of topics', pageOf(topicView)) } }),
    async (request) => service.listTopics(request.query),
  );

  app.get<{ Params: { name: string } }>(
    '/api/topics/:name',
    routeOptions({ scope: 'read', tag, summary: "one topic: its key's version and age, its clients", params: byName, responses: { 200: answer('the topic', topicView) } }),
    async (request) => service.getTopic(request.params.name),
  );

  app.delete<{ Params: { name: string } }>(
    '/api/topics/:name',
    routeOptions({
      scope: 'admin',
      tag,
      summary: 'remove a topic from every client (RemoveTopic) and forget it',
      params: byName,
      responses: { 202: answer('the job that removes it', jobView) },
    }),
    async (request, reply) => {
      reply.code(202);
      return service.deleteTopic(request.params.name);
    },
  );

  app.post<{ Params: { name: string } }>(
    '/api/topics/:name/rotate',
    routeOptions({
      scope: 'admin',
      tag,
      summary: "rotate a topic's key",
      description: 'A job: receivers get the new key first, senders once every receiver confirmed. 409 Conflict while a rotation of the topic runs.',
      params: byName,
      responses: { 202: answer('the rotation job; follow it at /api/jobs/{id}', jobView) },
    }),
    async (request, reply) => {
      reply.code(202);
      return service.rotateTopic(request.params.name);
    },
  );

  app.get<{ Params: { name: string } }>(
    '/api/topics/:name/stats',
    routeOptions({
      scope: 'read',
      tag: 'stats',
      summary: "a topic's traffic as C2 sees it, without decrypting: rates, sizes, errors clients reported",
      params: byName,
      responses: { 200: answer("the topic's statistics", topicStatsView) },
    }),
    async (request) => {
      const [stats] = await service.topicStats(request.params.name);
      if (stats === undefined) throw e4Error(E4ErrorCode.NotFound, 'no statistics for this topic');
      return stats;
    },
  );

  app.get<{ Querystring: PageRequest }>(
    '/api/stats',
    routeOptions({ scope: 'read', tag: 'stats', summary: "every topic's statistics", querystring: pageQuery(), responses: { 200: answer('a page of statistics, by topic name', pageOf(topicStatsView)) } }),
    async (request) => pageByName(await service.topicStats(), request.query, (stats) => stats.topic),
  );
}

/**
 * A page of a list the service returns whole, in name order: the cursor is the last name of the
 * previous page.
 */
export function pageByName<T>(all: T[], page: PageRequest, nameOf: (item: T) => string): { items: T[]; next: string | null } {
  const limit = page.limit ?? 100;
  const sorted = [...all].sort((a, b) => (nameOf(a) < nameOf(b) ? -1 : nameOf(a) > nameOf(b) ? 1 : 0));
  const start = page.cursor === undefined ? 0 : sorted.findIndex((item) => nameOf(item) > page.cursor!);
  const items = start < 0 ? [] : sorted.slice(start, start + limit);
  const more = start >= 0 && start + limit < sorted.length;
  return { items, next: more ? nameOf(items[items.length - 1]) : null };
}

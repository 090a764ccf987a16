/**
 * /api/jobs (what C2 is doing, and did), /api/rules (what it does by itself), /api/tokens (who
 * may ask it: admin tokens only, even to list) and /api/c2 (C2's own public key).
 */
import type { FastifyInstance } from 'fastify';
import type { C2Api, JobState, NewRule, NewToken, PageRequest } from '../api.ts';
import { answer, routeOptions } from './routeSchema.ts';
import { createdToken, filters, ids, jobView, newRuleBody, newTokenBody, pageOf, pageQuery, pathParams, record, ruleView, tokenView } from './schemas.ts';

/** The longest `?wait=` a request may hold a connection for. */
const MAX_WAIT_MS = 60_000;

export function jobRoutes(app: FastifyInstance, service: C2Api): void {
  app.get<{ Querystring: PageRequest & { state?: JobState; topic?: string } }>(
    '/api/jobs',
    routeOptions({
      scope: 'read',
      tag: 'jobs',
      summary: 'list jobs, newest first',
      querystring: pageQuery({ state: filters.jobState, topic: filters.topicName }),
      responses: { 200: answer('a page of jobs', pageOf(jobView)) },
    }),
    async (request) => service.listJobs(request.query),
  );

  app.get<{ Params: { id: string }; Querystring: { wait?: number } }>(
    '/api/jobs/:id',
    routeOptions({
      scope: 'read',
      tag: 'jobs',
      summary: 'one job and its progress',
      description: '`?wait=<ms>` holds the answer until the job has finished (done or failed) or the time is up, whichever comes first.',
      params: pathParams({ id: ids.jobId }),
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: { wait: { type: 'integer', minimum: 0, maximum: MAX_WAIT_MS, description: 'ms to wait for the job to finish' } },
      },
      responses: { 200: answer('the job', jobView) },
    }),
    async (request) => {
      const { id } = request.params;
      const wait = request.query.wait ?? 0;
      if (wait > 0) {
        try {
          await service.waitForJob(id, wait);
        } catch {
          // A failed job, or the time is up: either way the job's state is the answer.
        }
      }
      return service.getJob(id);
    },
  );

  app.get(
    '/api/c2',
    routeOptions({
      scope: 'read',
      tag: 'c2',
      summary: "C2's X25519 public key (not secret), which public-key clients are made with",
      responses: { 200: answer("C2's identity", record({ publicKey: { type: 'string', pattern: '^[0-9a-f]{64}$' } })) },
    }),
    async () => ({ publicKey: await service.c2PublicKey() }),
  );

  app.post<{ Body: NewRule }>(
    '/api/rules',
    routeOptions({
      scope: 'admin',
      tag: 'rules',
      summary: 'add a rule: rotate a topic every N ms, after M messages, or on a revocation',
      body: newRuleBody,
      responses: { 201: answer('the rule', ruleView) },
    }),
    async (request, reply) => {
      reply.code(201);
      return service.addRule(request.body);
    },
  );

  app.get<{ Querystring: PageRequest }>(
    '/api/rules',
    routeOptions({ scope: 'read', tag: 'rules', summary: 'list rules', querystring: pageQuery(), responses: { 200: answer('a page of rules', pageOf(ruleView)) } }),
    async (request) => service.listRules(request.query),
  );

  app.delete<{ Params: { id: string } }>(
    '/api/rules/:id',
    routeOptions({ scope: 'admin', tag: 'rules', summary: 'delete a rule', params: pathParams({ id: ids.ruleId }), responses: { 204: answer('deleted') } }),
    async (request, reply) => {
      await service.deleteRule(request.params.id);
      return reply.code(204).send();
    },
  );

  app.post<{ Body: NewToken }>(
    '/api/tokens',
    routeOptions({
      scope: 'admin',
      tag: 'tokens',
      summary: 'create an API token',
      description: 'The secret is in this response only: C2 keeps a hash of it.',
      body: newTokenBody,
      responses: { 201: answer('the token and its secret, this once', createdToken) },
    }),
    async (request, reply) => {
      reply.code(201);
      return service.createToken(request.body);
    },
  );

  app.get<{ Querystring: PageRequest }>(
    '/api/tokens',
    routeOptions({ scope: 'admin', tag: 'tokens', summary: 'list API tokens (never their secrets)', querystring: pageQuery(), responses: { 200: answer('a page of tokens', pageOf(tokenView)) } }),
    async (request) => service.listTokens(request.query),
  );

  app.delete<{ Params: { id: string } }>(
    '/api/tokens/:id',
    routeOptions({ scope: 'admin', tag: 'tokens', summary: 'revoke an API token', params: pathParams({ id: ids.tokenId }), responses: { 204: answer('revoked') } }),
    async (request, reply) => {
      await service.revokeToken(request.params.id);
      return reply.code(204).send();
    },
  );
}

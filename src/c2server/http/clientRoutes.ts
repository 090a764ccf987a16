/**
 * /api/clients: the fleet's clients, their topics, reset and revocation. Commands to a client
 * run as jobs: those routes answer 202 with the job (GET /api/jobs/{id} follows it).
 */
import type { FastifyInstance } from 'fastify';
import type { C2Api, ClientStatus, NewClient, PageRequest, TopicRole } from '../api.ts';
import { answer, routeOptions } from './routeSchema.ts';
import { addedClient, clientId, clientView, filters, jobView, linkBody, newClientBody, pageOf, pageQuery, pathParams, renameBody, topicName } from './schemas.ts';

const tag = 'clients';
const byId = pathParams({ id: clientId });
const job = answer('the job that sends the commands; follow it at /api/jobs/{id}', jobView);

export function clientRoutes(app: FastifyInstance, service: C2Api): void {
  app.post<{ Body: NewClient }>(
    '/api/clients',
    routeOptions({
      scope: 'admin',
      tag,
      summary: 'provision a client',
      description:
        'Symmetric clients: give `key`, or omit it and C2 generates one, returned once as `generatedKey` (the only response that ever carries a key). Public-key clients: give `publicKey`.',
      body: newClientBody,
      responses: { 201: answer('the client (and its generated key, this once)', addedClient) },
    }),
    async (request, reply) => {
      reply.code(201);
      return service.addClient(request.body);
    },
  );

  app.get<{ Querystring: PageRequest & { status?: ClientStatus; topic?: string } }>(
    '/api/clients',
    routeOptions({
      scope: 'read',
      tag,
      summary: 'list clients',
      querystring: pageQuery({ status: filters.clientStatus, topic: topicName }),
      responses: { 200: answer('a page of clients', pageOf(clientView)) },
    }),
    async (request) => service.listClients(request.query),
  );

  app.get<{ Params: { id: string } }>(
    '/api/clients/:id',
    routeOptions({ scope: 'read', tag, summary: 'one client', params: byId, responses: { 200: answer('the client', clientView) } }),
    async (request) => service.getClient(request.params.id),
  );

  app.patch<{ Params: { id: string }; Body: { name: string } }>(
    '/api/clients/:id',
    routeOptions({ scope: 'admin', tag, summary: 'rename a client', params: byId, body: renameBody, responses: { 200: answer('the client', clientView) } }),
    async (request) => service.renameClient(request.params.id, request.body.name),
  );

  app.delete<{ Params: { id: string } }>(
    '/api/clients/:id',
    routeOptions({
      scope: 'admin',
      tag,
      summary: 'forget a client',
      description: 'Its links go and no command is sent: revoke it first to take its keys away.',
      params: byId,
      responses: { 204: answer('forgotten') },
    }),
    async (request, reply) => {
      await service.deleteClient(request.params.id);
      return reply.code(204).send();
    },
  );

  app.post<{ Params: { id: string }; Body: { topic: string; role: TopicRole } }>(
    '/api/clients/:id/topics',
    routeOptions({
      scope: 'admin',
      tag,
      summary: "link a client to a topic and send it the topic's key",
      params: byId,
      body: linkBody,
      responses: { 202: job },
    }),
    async (request, reply) => {
      reply.code(202);
      return service.linkTopic(request.params.id, request.body.topic, request.body.role);
    },
  );

  app.delete<{ Params: { id: string; topic: string } }>(
    '/api/clients/:id/topics/:topic',
    routeOptions({
      scope: 'admin',
      tag,
      summary: 'unlink a client from a topic (RemoveTopic)',
      description: "The topic's key is not rotated: rotate it to keep the client from reading it.",
      params: pathParams({ id: clientId, topic: topicName }),
      responses: { 202: job },
    }),
    async (request, reply) => {
      reply.code(202);
      return service.unlinkTopic(request.params.id, request.params.topic);
    },
  );

  app.post<{ Params: { id: string } }>(
    '/api/clients/:id/reset',
    routeOptions({ scope: 'admin', tag, summary: "reset a client's topics and send each linked topic's key again", params: byId, responses: { 202: job } }),
    async (request, reply) => {
      reply.code(202);
      return service.resetClient(request.params.id);
    },
  );

  app.post<{ Params: { id: string } }>(
    '/api/clients/:id/revoke',
    routeOptions({
      scope: 'admin',
      tag,
      summary: 'revoke a client',
      description: "Removes it from every topic (RemoveTopic, ResetTopics) and, by the revocation rules, rotates those topics' keys for the others.",
      params: byId,
      responses: { 202: job },
    }),
    async (request, reply) => {
      reply.code(202);
      return service.revokeClient(request.params.id);
    },
  );
}

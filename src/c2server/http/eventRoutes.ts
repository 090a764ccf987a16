/**
 * /api/events: the event log, as pages and as a live Server-Sent Events stream.
 *
 * The stream takes its token in the Authorization header like every other route (never in the
 * URL, where it would reach logs and browser history); the console reads it with fetch(), which
 * can send that header where EventSource cannot. Each event is one `id:`/`data:` frame, `data`
 * being the event as JSON. A client that reconnects with `Last-Event-ID: <id>` first gets every
 * event after that id from the log, then the live ones, none twice and none missed: the stream
 * listens before it reads the log, and holds live events back until the log is read.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { C2Api, EventView, PageRequest } from '../api.ts';
import { answer, routeOptions } from './routeSchema.ts';
import { eventView, pageOf, pageQuery } from './schemas.ts';

/** A comment frame this often keeps proxies from closing an idle stream. */
const HEARTBEAT_MS = 15_000;
/** A reader this far behind is dropped; it reconnects with Last-Event-ID and loses nothing. */
const MAX_BUFFERED_BYTES = 1 << 20;

const eventType = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.-]+$', description: 'only events of this type, e.g. topic.rotated' };

/** Response headers the hijacked stream writes itself (Fastify's onSend hooks do not run for it). */
export type StreamHeaders = Record<string, string>;

export function eventRoutes(app: FastifyInstance, service: C2Api, streamHeaders: StreamHeaders): void {
  const open = new Set<ServerResponse>();
  // A stream never ends by itself: closing the app ends it (its listener goes with it).
  app.addHook('preClose', async () => {
    for (const response of open) response.destroy();
  });

  app.get<{ Querystring: PageRequest & { after?: number; type?: string; newest?: boolean } }>(
    '/api/events',
    routeOptions({
      scope: 'read',
      tag: 'events',
      summary: 'the event log, oldest first',
      querystring: pageQuery({
        after: { type: 'integer', minimum: 0, description: 'only events with a greater id' },
        type: eventType,
        newest: { type: 'boolean', description: 'the last `limit` events instead, oldest first, with no next page' },
      }),
      responses: { 200: answer('a page of events', pageOf(eventView)) },
    }),
    async (request) => service.listEvents(request.query),
  );

  app.get<{ Headers: { 'last-event-id'?: string } }>(
    '/api/events/stream',
    routeOptions({
      scope: 'read',
      tag: 'events',
      summary: 'live events (Server-Sent Events, text/event-stream)',
      description: 'Each frame: `id: <event id>` and `data: <the event as JSON>`. Send `Last-Event-ID` to resume after an event. The token goes in the Authorization header.',
      headers: { type: 'object', properties: { 'last-event-id': { type: 'string', pattern: '^[0-9]{1,15}$', description: 'resume after this event id' } } },
      responses: { 200: answer('an endless text/event-stream', { type: 'string' }) },
    }),
    async (request, reply) => {
      const header = request.headers['last-event-id'];
      const resumeAfter = header === undefined ? null : Number(header);
      const response = reply.raw;
      reply.hijack();
      response.writeHead(200, {
        ...streamHeaders,
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-accel-buffering': 'no',
      });
      open.add(response);

      let lastSent = resumeAfter ?? -Infinity;
      let held: EventView[] | null = [];
      const send = (event: EventView) => {
        if (event.id <= lastSent) return;
        lastSent = event.id;
        response.write('id: ' + event.id + '\ndata: ' + JSON.stringify(event) + '\n\n');
        if (response.writableLength > MAX_BUFFERED_BYTES) response.end();
      };
      const unsubscribe = service.onEvent((event) => {
        if (held !== null) held.push(event);
        else send(event);
      });
      const heartbeat = setInterval(() => response.write(': keep-alive\n\n'), HEARTBEAT_MS);
      heartbeat.unref();
      response.once('close', () => {
        clearInterval(heartbeat);
        unsubscribe();
        open.delete(response);
      });
      // The headers go out now, so that a reader knows it is connected before the first event.
      response.write(': connected\n\n');

      try {
        if (resumeAfter !== null) {
          let cursor: string | undefined;
          do {
            const page = await service.listEvents({ after: resumeAfter, limit: 1000, cursor });
            for (const event of page.items) {
              if (response.writableEnded) return;
              send(event);
            }
            cursor = page.next ?? undefined;
          } while (cursor !== undefined);
        }
        const live = held;
        held = null;
        for (const event of live) send(event);
      } catch (e) {
        request.log.error({ code: (e as { code?: unknown }).code }, 'the event stream could not read the log');
        response.end();
      }
    },
  );
}

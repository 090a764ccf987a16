/**
 * The console's files, served without a token (the page asks for one) and left out of the
 * OpenAPI document. The Content Security Policy every response carries (app.ts) lets the page
 * run only its own script and style and talk only to this origin.
 */
import type { FastifyInstance } from 'fastify';
import { CONSOLE_ASSETS } from '../console/assets.ts';

export function consoleRoutes(app: FastifyInstance): void {
  for (const [path, asset] of Object.entries(CONSOLE_ASSETS)) {
    app.get(path, { schema: { hide: true }, config: { scope: 'public' } }, async (_request, reply) => {
      reply.type(asset.contentType);
      return asset.body;
    });
  }
}

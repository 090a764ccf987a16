/**
 * The OpenAPI 3.1 document at /openapi.json against the routes the app registers: every API
 * route documented and every documented route registered, each with the bearer security scheme,
 * its path parameters, its success response and the error responses its kind implies; the
 * console's files and the document itself are served without a token and left out of it.
 */
import { Script } from 'node:vm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorStatuses } from '../../src/c2server/http/routeSchema.ts';
import { startHttp, type HttpFixture } from './http-helpers.ts';

interface Operation {
  security?: Record<string, string[]>[];
  parameters?: { in: string; name: string; required?: boolean }[];
  requestBody?: { content: Record<string, { schema: object }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: { properties?: Record<string, unknown> } }> }>;
  summary?: string;
  tags?: string[];
}

interface Registered {
  method: string;
  url: string;
  scope: string;
  hasBody: boolean;
}

let fixture: HttpFixture;
let doc: { openapi: string; paths: Record<string, Record<string, Operation>>; components: { securitySchemes: Record<string, unknown> } };
const registered: Registered[] = [];

beforeAll(async () => {
  fixture = await startHttp({
    beforeReady: (app: FastifyInstance) =>
      app.addHook('onRoute', (route) => {
        for (const method of [route.method].flat()) {
          registered.push({ method, url: route.url, scope: (route.config as { scope: string }).scope, hasBody: route.schema?.body !== undefined });
        }
      }),
  });
  const response = await fixture.app.inject({ url: '/openapi.json' });
  expect(response.statusCode).toBe(200);
  doc = response.json();
});

afterAll(async () => {
  await fixture?.close();
});

const openApiPath = (url: string) => url.replace(/:([A-Za-z]+)/g, '{$1}');

describe('/openapi.json', () => {
  it('is OpenAPI 3.1 with a bearer security scheme, served without a token', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('documents every API route, and only the routes registered', () => {
    const api = registered.filter((r) => r.scope !== 'public');
    expect(api.length).toBeGreaterThanOrEqual(25);
    const fromRoutes = api.map((r) => r.method.toLowerCase() + ' ' + openApiPath(r.url)).sort();
    const fromDoc = Object.entries(doc.paths)
      .flatMap(([path, operations]) => Object.keys(operations).map((method) => method + ' ' + path))
      .sort();
    expect(fromDoc).toEqual(fromRoutes);
    for (const r of registered.filter((r) => r.scope === 'public')) {
      expect(doc.paths[openApiPath(r.url)], r.url).toBeUndefined();
    }
  });

  it('gives each route its security, parameters, success and error responses', () => {
    for (const r of registered.filter((r) => r.scope !== 'public')) {
      const where = r.method + ' ' + r.url;
      const operation = doc.paths[openApiPath(r.url)][r.method.toLowerCase()];
      expect(operation.security, where).toEqual([{ bearer: [] }]);
      expect(operation.summary, where).toBeTruthy();
      expect(operation.tags?.length, where).toBe(1);
      const pathNames = [...r.url.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1]);
      const documented = (operation.parameters ?? []).filter((p) => p.in === 'path');
      expect(documented.map((p) => p.name).sort(), where).toEqual(pathNames.sort());
      for (const p of documented) expect(p.required, where + ' ' + p.name).toBe(true);
      expect(operation.requestBody !== undefined, where).toBe(r.hasBody);

      const statuses = Object.keys(operation.responses).map(Number);
      const successes = statuses.filter((s) => s < 300);
      expect(successes.length, where).toBe(1);
      const errors = statuses.filter((s) => s >= 400).sort();
      const expected = errorStatuses({
        scope: r.scope as 'read' | 'admin',
        params: pathNames.length > 0 ? {} : undefined,
        body: r.hasBody ? {} : undefined,
      });
      expect(errors, where).toEqual(expected);
      for (const status of errors) {
        const schema = operation.responses[status].content?.['application/json']?.schema;
        expect(Object.keys(schema?.properties ?? {}).sort(), where + ' ' + status).toEqual(['code', 'message']);
      }
      // GET routes need a read token; everything else, and the tokens, an admin one.
      const admin = r.method !== 'GET' || r.url.startsWith('/api/tokens');
      expect(r.scope, where).toBe(admin ? 'admin' : 'read');
      expect(errors.includes(403), where).toBe(admin);
    }
  });

  it('serves the console and its files without a token, under a Content Security Policy', async () => {
    for (const url of ['/', '/console/app.js', '/console/style.css', '/openapi.json']) {
      const response = await fixture.app.inject({ url });
      expect(response.statusCode, url).toBe(200);
      expect(response.headers['content-security-policy'], url).toContain("default-src 'none'");
      expect(response.headers['x-content-type-options']).toBe('nosniff');
    }
    const page = await fixture.app.inject({ url: '/' });
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('<script src="/console/app.js" defer></script>');
  });

  it("keeps the console's script to text: it parses, and never writes markup", async () => {
    const script = (await fixture.app.inject({ url: '/console/app.js' })).body;
    expect(() => new Script(script)).not.toThrow();
    expect(script).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/);
    expect(script).toContain('textContent');
  });
});

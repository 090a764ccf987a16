/**
 * The HTTP suites' key server: the real service over a database (SQLite in memory unless a URL is
 * given) and an embedded broker, the HTTP app built on it with its log captured, an admin and a
 * read token, and a snapshot of every table to show that a refused request changed nothing.
 */
import { Writable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { openDatabase, type Database } from '../../src/c2server/db/database.ts';
import { buildHttpApp, type HttpAppOptions } from '../../src/c2server/http/app.ts';
import { createC2Service, type C2Service } from '../../src/c2server/service.ts';
import { kekFromBytes, openVault } from '../../src/c2server/vault.ts';
import { openMqtt } from '../../src/mqtt/connect.ts';
import { startEmbeddedBroker } from '../../src/mqtt/broker.ts';
import { toHex } from '../../src/utils.ts';
import { init } from '../../src/backends/select.ts';

export interface HttpFixture {
  app: FastifyInstance;
  service: C2Service;
  db: Database;
  brokerUrl: string;
  /** Secrets of an admin and a read token. */
  admin: string;
  reader: string;
  /** Every line the app logged (pino's JSON lines). */
  logs: string[];
  /** Every row of every table, as text; `tokens.last_used_at` left out (authenticating touches it). */
  snapshot(): Promise<string[]>;
  /** Listens on a free loopback port; resolves to the origin. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

export interface HttpFixtureOptions extends Pick<HttpAppOptions, 'rateLimit' | 'bodyLimit'> {
  dbUrl?: string;
  /** Runs on the app before it is ready (to add an onRoute hook, say). */
  beforeReady?: (app: FastifyInstance) => unknown;
}

function rowText(row: Record<string, unknown>, table: string): string {
  const values = Object.entries(row)
    .filter(([column]) => !(table === 'tokens' && column === 'last_used_at'))
    .map(([column, value]) => column + '=' + (value instanceof Uint8Array ? toHex(value) : JSON.stringify(value)));
  return table + ': ' + values.join(' ');
}

export async function snapshotTables(db: Database): Promise<string[]> {
  const tables =
    db.dialect === 'sqlite'
      ? await db.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      : await db.all<{ name: string }>("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name");
  const rows: string[] = [];
  for (const { name } of tables) {
    for (const row of await db.all<Record<string, unknown>>('SELECT * FROM ' + name)) rows.push(rowText(row, name));
  }
  return rows.sort();
}

export async function startHttp(options: HttpFixtureOptions = {}): Promise<HttpFixture> {
  await init();
  const broker = await startEmbeddedBroker();
  const db = await openDatabase(options.dbUrl ?? ':memory:');
  const kek = kekFromBytes(globalThis.crypto.getRandomValues(new Uint8Array(32)));
  const mqtt = await openMqtt(broker.url);
  const service: C2Service = await createC2Service({ db, vault: await openVault(db, kek), mqtt, ackTimeoutMs: 5000, retry: { attempts: 2, backoffMs: 100 } });
  const logs: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      logs.push(...chunk.toString().split('\n').filter((line: string) => line !== ''));
      done();
    },
  });
  const app = buildHttpApp({ service, logger: { level: 'info', stream }, rateLimit: options.rateLimit ?? false, bodyLimit: options.bodyLimit });
  await options.beforeReady?.(app);
  await app.ready();
  const admin = (await service.createToken({ name: 'admin', scope: 'admin' })).secret;
  const reader = (await service.createToken({ name: 'reader', scope: 'read' })).secret;
  return {
    app,
    service,
    db,
    brokerUrl: broker.url,
    admin,
    reader,
    logs,
    snapshot: () => snapshotTables(db),
    async listen() {
      await app.listen({ port: 0, host: '127.0.0.1' });
      return 'http://127.0.0.1:' + (app.server.address() as AddressInfo).port;
    },
    async close() {
      await app.close();
      await service.stop();
      await mqtt.endAsync(true);
      await db.close();
      await broker.close();
    },
  };
}

/**
 * `startC2Server`: the key server as one process. It opens the database (SQLite by default,
 * `./e4ts-c2.db`; PostgreSQL by URL), loads the key-encryption key (a file, the E4TS_C2_KEK
 * variable, or a new `<db>.kek` file beside an SQLite database, mode 0600, made at first start),
 * connects to the broker (or starts the embedded aedes on a loopback port), builds the service,
 * which resumes every unfinished job, and serves the HTTP API and the console.
 *
 * On a database with no API token yet, an admin token is made and returned once (`adminToken`),
 * for the operator to keep: it is never shown again.
 *
 * While it runs, the server holds the database's serving lock shared, so a KEK rotation is refused
 * (vault.ts). On PostgreSQL that lock lives on a connection that may drop: the server then stores
 * no new key (a rotation could run meanwhile and leave it under the retired KEK) until the lock is
 * held again, taken as soon as the connection is back. If it cannot be (a KEK rotation holds it,
 * or has retired this server's KEK), the server stops, with an error line in its log, rather than
 * serve with a KEK the database no longer uses: start it again with the new one.
 */
import { dirname, join, basename } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { MqttClient } from 'mqtt';
import { init } from '../backends/select.ts';
import { startEmbeddedBroker, type EmbeddedBroker } from '../mqtt/broker.ts';
import { openMqtt } from '../mqtt/connect.ts';
import { E4ErrorCode, e4Error, type E4Error } from '../errors.ts';
import { openDatabase, type Database } from './db/database.ts';
import { buildHttpApp, type HttpAppOptions } from './http/app.ts';
import { detectSharedSubscriptions } from './monitor.ts';
import { createC2Service, type C2Service, type C2ServiceOptions } from './service.ts';
import { holdServing, kekFromHex, resolveKek, openVault, type Kek } from './vault.ts';

export interface ServerLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface C2ServerOptions {
  /** A file path, `sqlite:<path>`, or `postgres://…` (default `./e4ts-c2.db`). */
  db?: string;
  /** The KEK file (`--kek-file`). */
  kekFile?: string;
  /** The KEK itself, 64 hex digits (otherwise E4TS_C2_KEK, or the default file). */
  kek?: string;
  /** `mqtt://host:port` of the broker; default an embedded aedes on a free loopback port. */
  broker?: string;
  /** Whether the broker has shared subscriptions: detected by default (aedes has none). */
  sharedSubscriptions?: boolean;
  /**
   * Where the HTTP API and the console listen (default 127.0.0.1, port 8480; port 0: a free one),
   * and the per-token rate limit (default 600 requests a minute).
   */
  http?: { host?: string; port?: number; rateLimit?: HttpAppOptions['rateLimit'] } | false;
  logger?: ServerLogger;
  /** Passed to the service: ack timeout, retries, concurrency, scheduler, clock. */
  service?: Omit<Partial<C2ServiceOptions>, 'db' | 'vault' | 'mqtt' | 'monitorMqtt' | 'sharedSubscriptions'>;
}

export interface C2Server {
  /** `http://host:port` of the API and console; null without HTTP. */
  url: string | null;
  brokerUrl: string;
  service: C2Service;
  /** The admin token made at first start (shown once); null on later starts. */
  adminToken: string | null;
  stop(): Promise<void>;
  /** Settles if the server stopped by itself, with why: its serving lock lost for good (see the top of this file). */
  stoppedOnItsOwn: Promise<E4Error>;
}

export const DEFAULT_DB = './e4ts-c2.db';
export const DEFAULT_HTTP_PORT = 8480;

const quiet: ServerLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Where the generated KEK goes for an SQLite database: `<db>.kek` beside it; none for PostgreSQL. */
function defaultKekFile(db: string): string | undefined {
  if (/^postgres(ql)?:\/\//i.test(db)) return undefined;
  const path = db.startsWith('sqlite:') ? db.slice('sqlite:'.length) : db;
  if (path === ':memory:') return undefined;
  return join(dirname(path), basename(path).replace(/\.db$/, '') + '.kek');
}

function loadKek(options: C2ServerOptions, db: string, log: ServerLogger): Kek {
  if (options.kek !== undefined) return kekFromHex(options.kek, 'kek');
  const defaultFile = defaultKekFile(db);
  const { kek, source } = resolveKek({
    kekFile: options.kekFile,
    defaultFile,
    onWarning: (message: string) => log.warn(message),
  });
  if (source === 'generated') log.info('made a new key-encryption key in ' + defaultFile + ' (keep it apart from the database backups)');
  return kek;
}

/** Runs the steps of a start; if one fails, undoes those done, latest first. */
class Undo {
  private readonly steps: (() => Promise<unknown>)[] = [];

  push(step: () => Promise<unknown>): void {
    this.steps.push(step);
  }

  async run(): Promise<void> {
    for (const step of this.steps.reverse()) await step().catch(() => undefined);
    this.steps.length = 0;
  }
}

export async function startC2Server(options: C2ServerOptions = {}): Promise<C2Server> {
  const log = options.logger ?? quiet;
  const dbUrl = options.db ?? DEFAULT_DB;
  await init();
  const undo = new Undo();
  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => (stopping ??= undo.run());
  let stoppedItself: (error: E4Error) => void = () => undefined;
  const stoppedOnItsOwn = new Promise<E4Error>((resolve) => (stoppedItself = resolve));
  try {
    const kek = loadKek(options, dbUrl, log);
    undo.push(async () => kek.wipe());
    const db: Database = await openDatabase(dbUrl);
    undo.push(() => db.close());
    const serving = await holdServing(db, kek, {
      onRetaken: () => log.warn('the database connection holding the serving lock was lost; it is back and the lock held again'),
      onRefused: (e) => {
        log.error('the serving lock was lost and cannot be held again (' + e.message + '): the key server stops');
        stoppedItself(e);
        void stop();
      },
    });
    undo.push(() => serving.release());
    const vault = await openVault(db, kek, serving);

    let embedded: EmbeddedBroker | null = null;
    let brokerUrl = options.broker;
    if (brokerUrl === undefined) {
      embedded = await startEmbeddedBroker();
      undo.push(() => (embedded as EmbeddedBroker).close());
      brokerUrl = embedded.url;
      log.info('embedded MQTT broker (aedes) on ' + brokerUrl);
    }
    const mqtt: MqttClient = await openMqtt(brokerUrl);
    undo.push(() => mqtt.endAsync(true));
    const monitorMqtt: MqttClient = await openMqtt(brokerUrl);
    undo.push(() => monitorMqtt.endAsync(true));
    const shared = options.sharedSubscriptions ?? (embedded === null && (await detectSharedSubscriptions(monitorMqtt)));

    const service = await createC2Service({
      onError: (e) => log.error('background work failed: ' + (e instanceof Error ? e.message : String(e))),
      ...options.service,
      db,
      vault,
      mqtt,
      monitorMqtt,
      sharedSubscriptions: shared,
    });
    undo.push(() => service.stop());
    const bootstrap = await service.bootstrapToken();
    if (bootstrap !== null) log.info('made the first admin API token "' + bootstrap.token.name + '" (shown once, to whoever started the server)');

    let url: string | null = null;
    let closeHttp: () => Promise<void> = async () => undefined;
    if (options.http !== false) {
      const app = buildHttpApp({ service, rateLimit: options.http?.rateLimit, logger: log });
      const host = options.http?.host ?? '127.0.0.1';
      await app.listen({ host, port: options.http?.port ?? DEFAULT_HTTP_PORT });
      const address = app.server.address() as AddressInfo;
      url = 'http://' + (host.includes(':') ? '[' + host + ']' : host) + ':' + address.port;
      closeHttp = () => app.close();
      undo.push(closeHttp);
      log.info('API and console on ' + url);
    }

    return {
      url,
      brokerUrl,
      service,
      adminToken: bootstrap?.secret ?? null,
      stop,
      stoppedOnItsOwn,
    };
  } catch (e) {
    await undo.run();
    if (e instanceof Error && (e as { code?: string }).code === 'EADDRINUSE') {
      throw e4Error(E4ErrorCode.InvalidArgument, 'the HTTP port is in use: ' + e.message);
    }
    throw e;
  }
}

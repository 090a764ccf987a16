/**
 * Shared fixtures of the key server's suites: a broker (mosquitto when installed, else the
 * embedded aedes), and a simulated fleet of real E4 clients (E4MqttClient over E4Client, both
 * modes) sharing a few MQTT connections, as a gateway or a test bench would, with what each
 * client received and refused recorded, and its topic keys readable for comparison with C2's;
 * and a C2 service on a database of either engine, which can be stopped and started again on
 * the same database.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll } from 'vitest';
import { init } from '../../src/backends/select.ts';
import { generateEd25519KeyPair, generateSymmetricKey } from '../../src/c2.ts';
import type { E4Client } from '../../src/client/client.ts';
import { createPublicKeyClient } from '../../src/client/publicKey.ts';
import { createSymmetricClient } from '../../src/client/symmetric.ts';
import { startEmbeddedBroker } from '../../src/mqtt/broker.ts';
import { E4MqttClient } from '../../src/mqtt/adapter.ts';
import { hashTopic, idFromName } from '../../src/primitives.ts';
import { fromHex, toHex } from '../../src/utils.ts';
import { openDatabase, type Database } from '../../src/c2server/db/database.ts';
import { createC2Service, type C2Service, type C2ServiceOptions } from '../../src/c2server/service.ts';
import { kekFromBytes, openVault, type Kek } from '../../src/c2server/vault.ts';
import { mosquittoBinary, startMosquitto } from '../mosquitto.ts';
import { connectMqtt } from '../mqtt-helpers.ts';
import { testDatabases, type Dialect, type TestDatabases } from './postgres.ts';

export interface TestBroker {
  url: string;
  /** Whether it has shared subscriptions (mosquitto does, aedes does not). */
  sharedSubscriptions: boolean;
  stop(): Promise<void>;
}

/** mosquitto when installed (and always under CI=true, where a missing one fails), else the embedded aedes. */
export async function startTestBroker(): Promise<TestBroker> {
  // Every suite that starts a broker uses the project's primitives too.
  await init();
  if (!mosquittoBinary.skip) {
    // mosquitto 2.0.11 (Debian 12's) stops delivering QoS 2 messages queued for a connection once
    // it had 20 in flight (its default max_inflight_messages), though each is completed: a
    // connection carrying many clients' commands stalls. Unlimited, it delivers them all.
    const m = await startMosquitto(['max_inflight_messages 0']);
    return { url: m.url, sharedSubscriptions: true, stop: () => m.stop() };
  }
  const b = await startEmbeddedBroker();
  return { url: b.url, sharedSubscriptions: false, stop: () => b.close() };
}

export interface SimClient {
  name: string;
  /** 32 hex digits: SHA3-256(name)[0:16], as C2 derives it. */
  id: string;
  mode: 'symmetric' | 'publicKey';
  /** Symmetric: the client key (hex), for `addClient`. */
  key: string | null;
  /** Public-key: the Ed25519 public key (hex), for `addClient`. */
  publicKey: string | null;
  e4: E4Client;
  adapter: E4MqttClient;
  /** Payloads read, per topic, as text. */
  received: Map<string, string[]>;
  /** Codes of messages and commands refused. */
  rejected: string[];
  /** Commands applied, in order. */
  commands: string[];
}

/** E4 clients sharing `connections` MQTT connections, round robin. */
export class SimFleet {
  readonly clients: SimClient[] = [];
  private next = 0;

  private constructor(private readonly connections: MqttClient[]) {}

  static async create(url: string, connections = 4): Promise<SimFleet> {
    const opened = await Promise.all(Array.from({ length: connections }, () => connectMqtt(url)));
    // Hundreds of adapters listen on each connection.
    for (const mqtt of opened) mqtt.setMaxListeners(0);
    return new SimFleet(opened);
  }

  /** A client of `mode` named `name`; public-key clients need C2's X25519 public key. */
  async add(name: string, mode: 'symmetric' | 'publicKey', c2PublicKey?: Uint8Array): Promise<SimClient> {
    const id = idFromName(name);
    let e4: E4Client;
    let key: string | null = null;
    let publicKey: string | null = null;
    if (mode === 'symmetric') {
      const k = generateSymmetricKey();
      key = toHex(k);
      e4 = createSymmetricClient({ id, key: k });
    } else {
      if (c2PublicKey === undefined) throw new Error('a public-key client needs C2 public key');
      const pair = generateEd25519KeyPair();
      publicKey = toHex(pair.publicKey);
      e4 = createPublicKeyClient({ id, privateKey: pair.privateKey, c2PublicKey });
    }
    const client = { name, id: toHex(id), mode, key, publicKey, e4, received: new Map(), rejected: [], commands: [] } as unknown as SimClient;
    await this.attach(client);
    this.clients.push(client);
    return client;
  }

  /** Connects the client's E4 client again (after `client.adapter.close()`: a device back online). */
  async attach(client: SimClient): Promise<void> {
    const mqtt = this.connections[this.next++ % this.connections.length];
    const adapter = await E4MqttClient.create({ mqtt, e4: client.e4 });
    adapter.on('message', (m) => {
      const list = client.received.get(m.topic) ?? [];
      list.push(new TextDecoder().decode(m.payload));
      client.received.set(m.topic, list);
    });
    adapter.on('rejected', (r) => client.rejected.push(r.code));
    adapter.on('command', (c) => client.commands.push(c.command));
    client.adapter = adapter;
  }

  /** The client's current key of `topic` (hex), or null. Read from its state, as a test may. */
  static topicKey(client: SimClient, topic: string): string | null {
    const state = client.e4.batchParts().state;
    const key = state.topicKeys[toHex(hashTopic(topic))];
    return key === undefined ? null : toHex(key);
  }

  async close(): Promise<void> {
    for (const c of this.clients) {
      await c.adapter.close();
      c.e4.destroy();
    }
    await Promise.all(this.connections.map((m) => m.endAsync()));
  }
}

/** Polls `predicate` (which may be async) every 20 ms until it holds, or fails after `timeoutMs`. */
export async function until(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export type ServiceOverrides = Omit<Partial<C2ServiceOptions>, 'db' | 'vault' | 'mqtt'>;

/** A C2 service on the database at `url` and the broker at `brokerUrl`, under one KEK across restarts. */
export class TestC2 {
  service!: C2Service;
  db!: Database;
  private mqtt!: MqttClient;

  constructor(
    readonly url: string,
    readonly brokerUrl: string,
    private readonly overrides: ServiceOverrides = {},
    /** A new one by default; another process's, to share its database. */
    readonly kek: Kek = kekFromBytes(generateSymmetricKey()),
  ) {}

  async start(overrides: ServiceOverrides = {}): Promise<C2Service> {
    this.db = await openDatabase(this.url);
    this.mqtt = await connectMqtt(this.brokerUrl);
    const vault = await openVault(this.db, this.kek);
    this.service = await createC2Service({
      db: this.db,
      vault,
      mqtt: this.mqtt,
      ackTimeoutMs: 3000,
      retry: { attempts: 2, backoffMs: 100 },
      ...this.overrides,
      ...overrides,
    });
    return this.service;
  }

  async stop(): Promise<void> {
    await this.service.stop();
    await this.mqtt.endAsync();
    await this.db.close();
  }

  async c2PublicKey(): Promise<Uint8Array> {
    return fromHex(await this.service.c2PublicKey(), 'c2PublicKey');
  }

  /** The topic's keys as C2 holds them (hex), by version. */
  async topicKeys(topic: string): Promise<Map<number, { key: string; state: string }>> {
    const rows = await this.db.all<{ version: number }>('SELECT version FROM topic_keys WHERE topic = ? ORDER BY version', [topic]);
    const out = new Map<number, { key: string; state: string }>();
    for (const { version } of rows) {
      const k = await this.service.registry.topicKey(topic, Number(version));
      if (k !== null) out.set(Number(version), { key: toHex(k.key), state: k.state });
    }
    return out;
  }
}

export interface C2Child {
  process: ChildProcess;
  /** The signal that ended it, or its exit code. */
  exited: Promise<NodeJS.Signals | number | null>;
  /** Once it serves: its API's URL, and the admin token made if the database had none. */
  ready: Promise<{ url: string; adminToken: string | null }>;
}

/**
 * A key server in a process of its own (test/c2/c2-child.ts), on `db` and the broker at
 * `brokerUrl` under the KEK `kek` (hex); with `crashAt`, it kills itself at that point of its jobs.
 */
export function startC2Child(db: string, brokerUrl: string, kek: string, crashAt?: string): C2Child {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/c2/c2-child.ts'], {
    env: {
      ...process.env,
      E4TS_C2_TEST_DB: db,
      E4TS_C2_TEST_BROKER: brokerUrl,
      E4TS_C2_KEK: kek,
      E4TS_C2_CRASH_AT: crashAt ?? '',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  const ready = new Promise<{ url: string; adminToken: string | null }>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', (line) => resolve(JSON.parse(line)));
    exited.then((how) => reject(new Error('the C2 child exited before serving: ' + String(how))));
  });
  return { process: child, exited, ready };
}

/** Registers each simulated client with C2 (its key or public key), in order. */
export async function registerFleet(service: C2Service, clients: SimClient[]): Promise<void> {
  for (const c of clients) {
    await service.addClient(
      c.mode === 'symmetric' ? { name: c.name, mode: 'symmetric', key: c.key! } : { name: c.name, mode: 'publicKey', publicKey: c.publicKey! },
    );
  }
}

/** JSON over HTTP to a running server with a bearer token; a non-2xx answer rejects with its `{code, message}`. */
export function apiClient(origin: string, token: string) {
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(origin + path, {
      method,
      headers: { authorization: 'Bearer ' + token, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const value = text === '' ? undefined : JSON.parse(text);
    if (!response.ok) throw Object.assign(new Error(method + ' ' + path + ': ' + response.status + ' ' + text), value ?? {});
    return value as T;
  }
  return {
    get: <T>(path: string) => call<T>('GET', path),
    post: <T>(path: string, body?: unknown) => call<T>('POST', path, body ?? {}),
    delete: <T>(path: string) => call<T>('DELETE', path),
  };
}

/** Runs `task` over `items`, `width` at a time. */
export async function inBatches<T>(items: T[], width: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await task(items[next++]);
    }),
  );
}

/** The test broker of the suite it is called in (none when skipped), stopped after it; its URL once started. */
export function suiteBroker(skip: boolean): { readonly url: string } {
  let broker: TestBroker | undefined;
  beforeAll(async () => {
    if (!skip) broker = await startTestBroker();
  });
  afterAll(async () => {
    await broker?.stop();
  });
  return {
    get url() {
      return (broker as TestBroker).url;
    },
  };
}

/** Fresh databases of `dialect` for the suite it is called in (none when skipped), removed after it. */
export function suiteDatabases(dialect: Dialect, skip: boolean): { create(): Promise<string> } {
  let dbs: TestDatabases | undefined;
  beforeAll(async () => {
    if (!skip) dbs = await testDatabases(dialect);
  });
  afterAll(async () => {
    await dbs?.close();
  });
  return { create: () => (dbs as TestDatabases).create() };
}

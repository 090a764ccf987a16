/**
 * What the store suites share: fresh databases of either engine (with a vault and registry, or
 * bare), closed after the suite; a settable clock; errors caught for their code.
 */
import { afterAll, beforeAll } from 'vitest';
import { openDatabase, type Database } from '../../src/c2server/db/database.ts';
import { init } from '../../src/index.ts';
import { openRegistry, type Registry } from '../../src/c2server/registry.ts';
import { kekFromBytes, openVault, type Kek, type Vault } from '../../src/c2server/vault.ts';
import { generateSymmetricKey } from '../../src/c2.ts';
import { testDatabases, type Dialect, type TestDatabases } from './postgres.ts';

/** A clock the test moves by hand. */
export function manualClock(start = 1_800_000_000_000): { now: () => number; advance(ms: number): void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

export function randomKek(): Kek {
  const bytes = generateSymmetricKey();
  try {
    return kekFromBytes(bytes);
  } finally {
    bytes.fill(0);
  }
}

export interface Store {
  url: string;
  db: Database;
  kek: Kek;
  vault: Vault;
  registry: Registry;
  clock: ReturnType<typeof manualClock>;
}

/** A fresh database of `dbs`' engine with a new KEK, its vault and registry. */
export async function openStore(dbs: TestDatabases, opened: Database[]): Promise<Store> {
  const url = await dbs.create();
  const db = await openDatabase(url);
  opened.push(db);
  const kek = randomKek();
  const vault = await openVault(db, kek);
  const clock = manualClock();
  const registry = await openRegistry(db, vault, { now: clock.now });
  return { url, db, kek, vault, registry, clock };
}

/** The error `promise` rejects with (the test fails if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (e) {
    return e as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}

/** Every row of every table, for "the database is unchanged" checks. */
export async function snapshot(db: Database): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of ['settings', 'secrets', 'keks', 'clients', 'topics', 'topic_keys', 'topic_clients', 'jobs', 'tokens', 'events']) {
    out[table] = await db.all(`SELECT * FROM ${table} ORDER BY 1, 2`);
  }
  return out;
}

/** A suite's databases of one engine, made before its tests and closed after them. */
export interface StoreSuite {
  readonly dbs: TestDatabases;
  /** A store made before the tests, for the suite's tests to share. */
  readonly store: Store;
  /** Another fresh store. */
  open(): Promise<Store>;
  /** Another fresh database, migrated, without a vault. */
  openBare(): Promise<{ db: Database; url: string }>;
  /** Closed with the suite. */
  track(db: Database): Database;
}

/** Registers the hooks of a suite on `dialect` (nothing is started when `skip`). */
export function useStores(dialect: Dialect, skip: boolean): StoreSuite {
  let dbs: TestDatabases | undefined;
  let store: Store | undefined;
  const opened: Database[] = [];
  beforeAll(async () => {
    await init();
    if (skip) return;
    dbs = await testDatabases(dialect);
    store = await openStore(dbs, opened);
  });
  afterAll(async () => {
    for (const db of opened) await db.close();
    await dbs?.close();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the suite’s databases are not started');
    return value;
  };
  return {
    get dbs() {
      return started(dbs);
    },
    get store() {
      return started(store);
    },
    open: () => openStore(started(dbs), opened),
    async openBare() {
      const url = await started(dbs).create();
      const db = await openDatabase(url);
      opened.push(db);
      return { db, url };
    },
    track(db) {
      opened.push(db);
      return db;
    },
  };
}

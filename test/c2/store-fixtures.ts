/**
 * What the store suites share: a fresh database of either engine with
 * its vault and registry, a settable clock, and errors caught for their code.
 */
import { openDatabase, type Database } from '../../src/c2server/db/database.ts';
import { openRegistry, type Registry } from '../../src/c2server/registry.ts';
import { kekFromBytes, openVault, type Kek, type Vault } from '../../src/c2server/vault.ts';
import { generateSymmetricKey } from '../../src/c2.ts';
import type { TestDatabases } from './postgres.ts';

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

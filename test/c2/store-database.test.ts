/**
 * The database layer on both engines: migrations (fresh, re-open, a later one, a failing one, a
 * newer schema refused, concurrent opens), values as they come back, errors as E4Errors without
 * the bound values, transactions, and locks across processes (a holder killed with SIGKILL frees
 * its PostgreSQL lock; a second process on a SQLite file is refused).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/c2server/db/database.ts';
import { MIGRATIONS, SCHEMA_VERSION, migrate, schemaVersion } from '../../src/c2server/db/migrations.ts';
import { numberedPlaceholders } from '../../src/c2server/db/postgres.ts';
import { E4ErrorCode, isE4Error } from '../../src/errors.ts';
import { freePort } from '../mqtt-helpers.ts';
import { DIALECTS } from './postgres.ts';
import { rejection, useStores } from './store-fixtures.ts';

/** A node process running `code` (an ES module, with tsx), its stdout lines reported as they come. */
function child(code: string): { lines: string[]; exited: Promise<number | null>; kill(): void } {
  const proc = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: process.cwd(),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  let buffered = '';
  proc.stdout.on('data', (d: Buffer) => {
    buffered += d.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop() as string;
    lines.push(...parts);
  });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (c) => resolve(c)));
  return { lines, exited, kill: () => proc.kill('SIGKILL') };
}

async function until(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const DATABASE_MODULE = new URL('../../src/c2server/db/database.ts', import.meta.url).href;

describe('openDatabase', () => {
  it('opens SQLite from a path, a sqlite: URL or :memory:; the file in WAL, held exclusively', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'e4ts-open-'));
    try {
      for (const url of [join(dir, 'plain.db'), 'sqlite:' + join(dir, 'prefixed.db'), ':memory:']) {
        const db = await openDatabase(url);
        expect(db.dialect).toBe('sqlite');
        expect(await schemaVersion(db)).toBe(SCHEMA_VERSION);
        if (url !== ':memory:') {
          expect(await db.get('PRAGMA journal_mode')).toEqual({ journal_mode: 'wal' });
          expect(await db.get('PRAGMA locking_mode')).toEqual({ locking_mode: 'exclusive' });
          expect(existsSync(url.replace(/^sqlite:/, ''))).toBe(true);
        }
        await db.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses an empty URL, and a PostgreSQL server that does not answer is DatabaseFailed', async () => {
    expect((await rejection(openDatabase(''))).code).toBe(E4ErrorCode.InvalidArgument);
    const port = await freePort();
    const e = await rejection(openDatabase(`postgres://nobody:secret-password@127.0.0.1:${port}/none`));
    expect(e.code).toBe(E4ErrorCode.DatabaseFailed);
    expect(e.message).not.toContain('secret-password');
  });
});

describe.each(DIALECTS)('database on $dialect', ({ dialect, skip }) => {
  const suite = useStores(dialect, skip);
  const fresh = () => suite.openBare();

  describe.skipIf(skip)('migrations', () => {
    it('a fresh database is at the code’s version, every table of schema v1 present', async () => {
      const { db } = await fresh();
      expect(db.dialect).toBe(dialect);
      expect(await schemaVersion(db)).toBe(SCHEMA_VERSION);
      for (const table of ['settings', 'secrets', 'keks', 'clients', 'topics', 'topic_keys', 'topic_clients', 'jobs', 'journal', 'tokens', 'events', 'rules', 'topic_stats']) {
        expect(await db.all(`SELECT * FROM ${table}`)).toEqual([]);
      }
    });

    it('re-opening applies nothing and keeps the data', async () => {
      const { db, url } = await fresh();
      await db.run('INSERT INTO settings (name, value) VALUES (?, ?)', ['kept', 'yes']);
      await db.close();
      const again = await openDatabase(url);
      suite.track(again);
      expect(await migrate(again)).toEqual([]);
      expect(await again.all('SELECT version FROM schema_migrations')).toEqual([{ version: SCHEMA_VERSION }]);
      expect(await again.get('SELECT value FROM settings WHERE name = ?', ['kept'])).toEqual({ value: 'yes' });
    });

    it('a later migration is applied once, in order', async () => {
      const { db } = await fresh();
      const later = [...MIGRATIONS, { version: SCHEMA_VERSION + 1, statements: ['CREATE TABLE extra (id TEXT PRIMARY KEY, blob {bytes})'] }];
      expect(await migrate(db, later)).toEqual([SCHEMA_VERSION + 1]);
      expect(await migrate(db, later)).toEqual([]);
      expect(await schemaVersion(db)).toBe(SCHEMA_VERSION + 1);
      await db.run('INSERT INTO extra (id, blob) VALUES (?, ?)', ['a', new Uint8Array([7])]);
    });

    it('a failing migration changes nothing: neither its first statements nor the version', async () => {
      const { db } = await fresh();
      const broken = [...MIGRATIONS, { version: SCHEMA_VERSION + 1, statements: ['CREATE TABLE half (id TEXT)', 'CREATE TABLE half (id TEXT)'] }];
      const e = await rejection(migrate(db, broken));
      expect(e.code).toBe(E4ErrorCode.DatabaseFailed);
      expect(await schemaVersion(db)).toBe(SCHEMA_VERSION);
      expect((await rejection(db.all('SELECT * FROM half'))).code).toBe(E4ErrorCode.DatabaseFailed);
    });

    it('a database of a newer schema is refused at open, with a clear error', async () => {
      const { db, url } = await fresh();
      await db.run('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)', [SCHEMA_VERSION + 5, Date.now()]);
      await db.close();
      const e = await rejection(openDatabase(url));
      expect(e.code).toBe(E4ErrorCode.DatabaseFailed);
      expect(e.message).toContain('newer than this e4ts knows');
      expect(e.message).toContain(String(SCHEMA_VERSION + 5));
    });

    it.skipIf(dialect !== 'postgres')('several processes opening a fresh database at once migrate it once', async () => {
      const url = await suite.dbs.create();
      const all = await Promise.all([openDatabase(url), openDatabase(url), openDatabase(url), openDatabase(url)]);
      all.forEach((db) => suite.track(db));
      expect(await all[0].all('SELECT version FROM schema_migrations')).toEqual([{ version: SCHEMA_VERSION }]);
    });
  });

  describe.skipIf(skip)('statements', () => {
    let db: Database;
    beforeAll(async () => {
      db = (await fresh()).db;
    });

    it('values come back as written: text, integers, unix-ms BIGINTs, NULL, bytes as Uint8Array', async () => {
      const at = 1_796_593_620_813;
      const bytes = new Uint8Array([0, 1, 2, 254, 255]);
      await db.run('INSERT INTO keks (id, created_at, retired_at) VALUES (?, ?, ?)', ['k1', at, null]);
      await db.run('INSERT INTO secrets (name, kek_id, sealed) VALUES (?, ?, ?)', ['s1', 'k1', bytes]);
      expect(await db.get('SELECT * FROM keks WHERE id = ?', ['k1'])).toEqual({ id: 'k1', created_at: at, retired_at: null });
      const secret = await db.get<{ sealed: Uint8Array }>('SELECT sealed FROM secrets WHERE name = ?', ['s1']);
      expect(secret?.sealed).toBeInstanceOf(Uint8Array);
      expect(Buffer.isBuffer(secret?.sealed)).toBe(false);
      expect([...(secret?.sealed ?? [])]).toEqual([...bytes]);
      expect(await db.get('SELECT COUNT(*) AS n FROM keks')).toEqual({ n: 1 });
      expect(await db.get('SELECT SUM(created_at) AS total FROM keks')).toEqual({ total: at });
      expect(await db.get('SELECT * FROM keks WHERE id = ?', ['none'])).toBeUndefined();
    });

    it('run reports the rows changed; RETURNING works on both', async () => {
      const row = await db.get<{ id: number }>("INSERT INTO events (at, type, data) VALUES (?, ?, '{}') RETURNING id", [1, 'x']);
      expect(typeof row?.id).toBe('number');
      expect(await db.run('UPDATE events SET type = ? WHERE id = ?', ['y', row!.id])).toEqual({ changes: 1 });
      expect(await db.run('UPDATE events SET type = ? WHERE id = ?', ['y', -1])).toEqual({ changes: 0 });
    });

    it('a question mark inside a literal is not a placeholder', async () => {
      expect(await db.get("SELECT 'why?' AS q, ? AS v", ['x'])).toEqual({ q: 'why?', v: 'x' });
      expect(numberedPlaceholders(`SELECT "a?" , '?''?', ? , ?`)).toBe(`SELECT "a?" , '?''?', $1 , $2`);
    });

    it('a duplicate key is AlreadyExists, its message without the values', async () => {
      await db.run('INSERT INTO settings (name, value) VALUES (?, ?)', ['dup-name', 'first-value']);
      const e = await rejection(db.run('INSERT INTO settings (name, value) VALUES (?, ?)', ['dup-name', 'second-value']));
      expect(e.code).toBe(E4ErrorCode.AlreadyExists);
      expect(isE4Error(e)).toBe(true);
      expect(e.message).not.toContain('dup-name');
      expect(e.message).not.toContain('value');
      expect(await db.get('SELECT value FROM settings WHERE name = ?', ['dup-name'])).toEqual({ value: 'first-value' });
    });

    it('other failures are DatabaseFailed, never quoting a value', async () => {
      const notNull = await rejection(db.run('INSERT INTO settings (name, value) VALUES (?, ?)', ['secret-looking-name', null]));
      expect(notNull.code).toBe(E4ErrorCode.DatabaseFailed);
      expect(notNull.message).not.toContain('secret-looking-name');
      const check = await rejection(db.run("INSERT INTO tokens (id, name, hash, scope, created_at) VALUES (?, ?, ?, 'root', 1)", ['t', 'n', 'deadbeefcafe']));
      expect(check.code).toBe(E4ErrorCode.DatabaseFailed);
      expect(check.message).not.toContain('deadbeefcafe');
      const missing = await rejection(db.all('SELECT * FROM no_such_table'));
      expect(missing.code).toBe(E4ErrorCode.DatabaseFailed);
      expect(missing.message).toContain('no_such_table');
      if (dialect === 'postgres') {
        const badType = await rejection(db.run('UPDATE topics SET current_version = ? WHERE name = ?', ['not-a-number-0xfeed', 'x']));
        expect(badType.code).toBe(E4ErrorCode.DatabaseFailed);
        expect(badType.message).not.toContain('0xfeed');
      }
    });

    it('foreign keys cascade: a topic’s keys and links go with it', async () => {
      await db.run("INSERT INTO topics (name, hash, current_version, created_at) VALUES ('fk', 'h', 1, 1)");
      await db.run("INSERT INTO clients (id, name, mode, status, created_at, updated_at) VALUES ('c', 'fk-client', 'symmetric', 'active', 1, 1)");
      await db.run("INSERT INTO topic_keys (topic, version, key_sealed, kek_id, state, created_at) VALUES ('fk', 1, ?, 'k', 'current', 1)", [new Uint8Array(1)]);
      await db.run("INSERT INTO topic_clients (topic, client_id, role, created_at) VALUES ('fk', 'c', 'both', 1)");
      const orphan = await rejection(db.run("INSERT INTO topic_clients (topic, client_id, role, created_at) VALUES ('nope', 'c', 'both', 1)"));
      expect(orphan.code).toBe(E4ErrorCode.DatabaseFailed);
      await db.run("DELETE FROM topics WHERE name = 'fk'");
      expect(await db.all("SELECT * FROM topic_keys WHERE topic = 'fk'")).toEqual([]);
      expect(await db.all("SELECT * FROM topic_clients WHERE topic = 'fk'")).toEqual([]);
    });
  });

  describe.skipIf(skip)('transactions', () => {
    let db: Database;
    beforeAll(async () => {
      db = (await fresh()).db;
    });

    it('commits when the function resolves, with its result', async () => {
      const result = await db.transaction(async (q) => {
        await q.run('INSERT INTO settings (name, value) VALUES (?, ?)', ['tx-a', '1']);
        await q.run('INSERT INTO settings (name, value) VALUES (?, ?)', ['tx-b', '2']);
        return (await q.get<{ n: number }>("SELECT COUNT(*) AS n FROM settings WHERE name LIKE 'tx-%'"))?.n;
      });
      expect(result).toBe(2);
      expect(await db.get("SELECT COUNT(*) AS n FROM settings WHERE name LIKE 'tx-%'")).toEqual({ n: 2 });
    });

    it('rolls back everything when the function throws, and rethrows its error', async () => {
      const boom = new Error('boom');
      const e = await rejection(
        db.transaction(async (q) => {
          await q.run('INSERT INTO settings (name, value) VALUES (?, ?)', ['rb-a', '1']);
          await new Promise((r) => setTimeout(r, 10));
          throw boom;
        }),
      );
      expect(e).toBe(boom);
      expect(await db.get("SELECT COUNT(*) AS n FROM settings WHERE name LIKE 'rb-%'")).toEqual({ n: 0 });
    });

    it('rolls back when a statement fails half-way', async () => {
      await db.run('INSERT INTO settings (name, value) VALUES (?, ?)', ['half-existing', '1']);
      const e = await rejection(
        db.transaction(async (q) => {
          await q.run('INSERT INTO settings (name, value) VALUES (?, ?)', ['half-new', '1']);
          await q.run('INSERT INTO settings (name, value) VALUES (?, ?)', ['half-existing', '2']);
        }),
      );
      expect(e.code).toBe(E4ErrorCode.AlreadyExists);
      expect(await db.all("SELECT name, value FROM settings WHERE name LIKE 'half-%'")).toEqual([{ name: 'half-existing', value: '1' }]);
    });

    it('a statement issued while a transaction runs is not part of it (it survives a rollback)', async () => {
      let inside!: () => void;
      const started = new Promise<void>((r) => (inside = r));
      const failing = db.transaction(async (q) => {
        await q.run('INSERT INTO settings (name, value) VALUES (?, ?)', ['during-tx', '1']);
        inside();
        await new Promise((r) => setTimeout(r, 30));
        throw new Error('rolled back');
      });
      await started;
      const lone = db.run('INSERT INTO settings (name, value) VALUES (?, ?)', ['during-lone', '1']);
      await expect(failing).rejects.toThrow('rolled back');
      await lone;
      expect(await db.all("SELECT name FROM settings WHERE name LIKE 'during-%'")).toEqual([{ name: 'during-lone' }]);
    });

    it('concurrent transactions each see a consistent count (serialised or row-locked)', async () => {
      await db.run("INSERT INTO topic_stats (topic, updated_at) VALUES ('counter', 0)");
      await Promise.all(
        Array.from({ length: 20 }, () =>
          db.transaction(async (q) => {
            await q.run("UPDATE topic_stats SET messages = messages + 1 WHERE topic = 'counter'");
            await new Promise((r) => setTimeout(r, 1));
            await q.run("UPDATE topic_stats SET bytes = bytes + 10 WHERE topic = 'counter'");
          }),
        ),
      );
      expect(await db.get("SELECT messages, bytes FROM topic_stats WHERE topic = 'counter'")).toEqual({ messages: 20, bytes: 200 });
    });

    it.skipIf(dialect !== 'sqlite')('SQLite: the database itself used inside its transaction is refused, not a hang', async () => {
      const e = await rejection(db.transaction(async () => db.get('SELECT 1 AS one')));
      expect(e.code).toBe(E4ErrorCode.DatabaseFailed);
      expect(e.message).toContain('Queryable');
      // After the transaction, the same async context may use the database again.
      expect(await db.get('SELECT 1 AS one')).toEqual({ one: 1 });
    });
  });

  describe.skipIf(skip)('locks', () => {
    it('a held name is refused until released, in one process and across two handles', async () => {
      const { db, url } = await fresh();
      const lock = await db.tryLock('job:1');
      expect(lock).not.toBeNull();
      expect(await db.tryLock('job:1')).toBeNull();
      const other = await db.tryLock('job:2');
      expect(other).not.toBeNull();
      if (dialect === 'postgres') {
        const second = await openDatabase(url);
        suite.track(second);
        expect(await second.tryLock('job:1')).toBeNull();
        await lock!.release();
        const taken = await second.tryLock('job:1');
        expect(taken).not.toBeNull();
        expect(await db.tryLock('job:1')).toBeNull();
        await taken!.release();
      } else {
        await lock!.release();
      }
      const again = await db.tryLock('job:1');
      expect(again).not.toBeNull();
      await again!.release();
      await other!.release();
    });

    it.skipIf(dialect !== 'postgres')('PostgreSQL: a lock held by a process killed with SIGKILL is freed', async () => {
      const { db, url } = await fresh();
      const holder = child(`
        import { openDatabase } from ${JSON.stringify(DATABASE_MODULE)};
        const db = await openDatabase(${JSON.stringify(url)});
        const lock = await db.tryLock('job:killed');
        console.log(lock === null ? 'refused' : 'locked');
        setInterval(() => {}, 1000);
      `);
      await until(() => holder.lines.length > 0, 'the child to take the lock');
      expect(holder.lines[0]).toBe('locked');
      expect(await db.tryLock('job:killed')).toBeNull();
      holder.kill();
      await holder.exited;
      let lock: Awaited<ReturnType<Database['tryLock']>> = null;
      await until(async () => (lock = await db.tryLock('job:killed')) !== null, 'the killed holder’s lock to be freed');
      await lock!.release();
    });

    it.skipIf(dialect !== 'postgres')('PostgreSQL: shared locks are held by several processes at once, and an exclusive one by none of them meanwhile', async () => {
      const { db, url } = await fresh();
      const second = suite.track(await openDatabase(url));
      const third = suite.track(await openDatabase(url));
      const one = await db.tryLockShared('c2:shared');
      const two = await second.tryLockShared('c2:shared');
      expect(one).not.toBeNull();
      expect(two).not.toBeNull();
      expect(await db.tryLockShared('c2:shared')).toBeNull();
      expect(await third.tryLock('c2:shared')).toBeNull();
      await one!.release();
      expect(await third.tryLock('c2:shared')).toBeNull();
      await two!.release();
      const exclusive = await third.tryLock('c2:shared');
      expect(exclusive).not.toBeNull();
      expect(await db.tryLockShared('c2:shared')).toBeNull();
      await exclusive!.release();
    });

    it.skipIf(dialect !== 'postgres')('PostgreSQL: many locks taken and released at once, one statement at a time on the lock connection', async () => {
      const { db } = await fresh();
      const warnings: string[] = [];
      const onWarning = (w: Error) => warnings.push(w.message);
      process.on('warning', onWarning);
      try {
        const names = Array.from({ length: 50 }, (_, i) => 'job:many-' + i);
        for (let round = 0; round < 3; round++) {
          const taken = await Promise.all(names.map((name, i) => (i % 2 === 0 ? db.tryLock(name) : db.tryLockShared(name))));
          expect(taken.every((lock) => lock !== null)).toBe(true);
          // Refused while held, each asked at once with the releases of the others.
          const [refused] = await Promise.all([Promise.all(names.map((name) => db.tryLock(name))), ...taken.map((lock) => lock!.release())]);
          expect(refused.filter((lock) => lock !== null)).toHaveLength(0);
        }
        const again = await Promise.all(names.map((name) => db.tryLock(name)));
        expect(again.every((lock) => lock !== null)).toBe(true);
        await Promise.all(again.map((lock) => lock!.release()));
        // Warnings are emitted on the next tick.
        await new Promise((r) => setImmediate(r));
      } finally {
        process.off('warning', onWarning);
      }
      expect(warnings.filter((m) => m.includes('already executing a query'))).toEqual([]);
    });

    it.skipIf(dialect !== 'postgres')('PostgreSQL: a lost lock connection frees its locks; the stale handle unlocks nothing', async () => {
      const { db, url } = await fresh();
      const other = suite.track(await openDatabase(url));
      const stale = await db.tryLock('job:lost');
      expect(stale).not.toBeNull();
      const { n } = (await other.get<{ n: number }>(
        `SELECT COUNT(pg_terminate_backend(pid)) AS n FROM pg_locks
         WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      ))!;
      expect(n).toBe(1);
      // Its holder is told, so it stops what the lock guarded.
      await until(() => stale!.lost.aborted, 'the holder to be told its lock was lost');
      expect(isE4Error(stale!.lost.reason, E4ErrorCode.DatabaseFailed)).toBe(true);
      let taken: Awaited<ReturnType<Database['tryLock']>> = null;
      await until(async () => (taken = await other.tryLock('job:lost')) !== null, 'the lost connection’s lock to be freed');
      expect(taken!.lost.aborted).toBe(false);
      // This process reconnects for its next lock, and the old handle's release leaves the new holder alone.
      await until(async () => {
        // A statement may reach the dead connection before its loss is noticed: that one fails.
        const again = await db.tryLock('job:lost').catch(() => 'failed' as const);
        if (again !== null && again !== 'failed') throw new Error('took a lock another process holds');
        return (await db.tryLock('job:after-loss').catch(() => null)) !== null;
      }, 'a new lock connection');
      await stale!.release();
      expect(await db.tryLock('job:lost')).toBeNull();
      await taken!.release();
    });

    it.skipIf(dialect !== 'sqlite')('SQLite: a second process on the same file is refused at open', async () => {
      const { url } = await fresh();
      const second = child(`
        import { openDatabase } from ${JSON.stringify(DATABASE_MODULE)};
        try { await openDatabase(${JSON.stringify(url)}); console.log('opened'); }
        catch (e) { console.log(e.code + ' ' + e.message); }
      `);
      expect(await second.exited).toBe(0);
      expect(second.lines[0]).toMatch(/^Conflict .*in use by another process/);
    });
  });

  it.skipIf(skip)('a closed database refuses statements', async () => {
    const { db } = await fresh();
    await db.close();
    expect((await rejection(db.get('SELECT 1'))).code).toBe(E4ErrorCode.DatabaseFailed);
    await db.close();
  });
});

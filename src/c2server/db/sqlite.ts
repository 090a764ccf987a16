/**
 * The SQLite driver (better-sqlite3): the embedded default, one file owned by one process.
 *
 * The file is opened in `locking_mode=EXCLUSIVE` with WAL: the first write takes the file lock
 * and keeps it until close, so a second C2 process on the same file is refused at open with a
 * clear error instead of both running jobs. Several processes on one database is what PostgreSQL
 * is for.
 *
 * better-sqlite3 is synchronous and the facade is async: a transaction spans awaits, so an async
 * mutex serialises transactions and lone statements in arrival order, and each transaction runs
 * on `BEGIN IMMEDIATE` (the write lock at once, never an upgrade that could fail half-way).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import BetterSqlite3 from 'better-sqlite3';
import { E4ErrorCode, e4Error, isE4Error } from '../../errors.ts';
import { bindParams, databaseError, driverCodeOf, Mutex, type Database, type Lock, type Queryable, type SqlValue } from './database.ts';

type Statement = BetterSqlite3.Statement<unknown[], unknown>;

/** Marks the async context of a running transaction; `active` turns false once it ends. */
interface TransactionScope {
  active: boolean;
}

/** Prepared statements kept per connection; the server runs a small fixed set of SQL texts. */
const STATEMENT_CACHE_LIMIT = 500;

export function openSqlite(path: string): Database {
  let raw: BetterSqlite3.Database;
  try {
    // No busy wait: the file is this process's alone, a lock held elsewhere is another C2 process.
    raw = new BetterSqlite3(path, { timeout: 0 });
  } catch (e) {
    throw sqliteError(e, 'opening the SQLite database');
  }
  try {
    raw.pragma('locking_mode = EXCLUSIVE');
    if (path !== ':memory:' && path !== '') raw.pragma('journal_mode = WAL');
    raw.pragma('foreign_keys = ON');
    // FULL: a commit is on disk before C2 sends what it recorded (NORMAL could lose it to a power cut).
    raw.pragma('synchronous = FULL');
    // Takes the exclusive lock now rather than at the first write, so a second process fails here.
    raw.exec('BEGIN IMMEDIATE; COMMIT');
  } catch (e) {
    raw.close();
    const code = driverCodeOf(e);
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
      throw e4Error(
        E4ErrorCode.Conflict,
        'the SQLite database is in use by another process (one C2 process per SQLite file; use PostgreSQL for several)',
      );
    }
    throw sqliteError(e, 'opening the SQLite database');
  }
  return new SqliteDatabase(raw);
}

const NEVER_LOST = new AbortController().signal;

class SqliteDatabase implements Database {
  readonly dialect = 'sqlite' as const;
  private readonly mutex = new Mutex();
  private readonly scope = new AsyncLocalStorage<TransactionScope>();
  private readonly statements = new Map<string, Statement>();
  private readonly locks = new Set<string>();
  private closed = false;
  /** The statements of a transaction: they run on the connection the transaction holds. */
  private readonly inTransaction: Queryable = {
    all: async <T>(sql: string, params?: SqlValue[]) => this.exec(() => this.prepare(sql).all(...bindParams(params)).map(rowOut) as T[]),
    get: async <T>(sql: string, params?: SqlValue[]) => this.exec(() => rowOut(this.prepare(sql).get(...bindParams(params))) as T | undefined),
    run: async (sql: string, params?: SqlValue[]) => this.exec(() => ({ changes: this.prepare(sql).run(...bindParams(params)).changes })),
  };

  constructor(private readonly raw: BetterSqlite3.Database) {}

  all<T>(sql: string, params?: SqlValue[]): Promise<T[]> {
    return this.alone(() => this.inTransaction.all<T>(sql, params));
  }

  get<T>(sql: string, params?: SqlValue[]): Promise<T | undefined> {
    return this.alone(() => this.inTransaction.get<T>(sql, params));
  }

  run(sql: string, params?: SqlValue[]): Promise<{ changes: number }> {
    return this.alone(() => this.inTransaction.run(sql, params));
  }

  async transaction<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
    this.refuseInsideTransaction();
    await this.mutex.acquire();
    const scope: TransactionScope = { active: true };
    try {
      this.exec(() => this.raw.exec('BEGIN IMMEDIATE'));
      let result: T;
      try {
        result = await this.scope.run(scope, () => fn(this.inTransaction));
        this.exec(() => this.raw.exec('COMMIT'));
      } catch (e) {
        // A failed statement may have ended the transaction already (SQLite rolls back on some errors).
        if (this.raw.inTransaction) this.raw.exec('ROLLBACK');
        throw e;
      }
      return result;
    } finally {
      scope.active = false;
      this.mutex.release();
    }
  }

  /** Shared or not, one holder per name: no other process opens the file to share it. */
  tryLockShared(name: string): Promise<Lock | null> {
    return this.tryLock(name);
  }

  async tryLock(name: string): Promise<Lock | null> {
    this.checkOpen();
    if (this.locks.has(name)) return null;
    this.locks.add(name);
    let released = false;
    return {
      // Held in this process's memory: only a release ends it.
      lost: NEVER_LOST,
      release: async () => {
        if (released) return;
        released = true;
        this.locks.delete(name);
      },
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Waits for a running transaction: closing under it would lose its commit.
    await this.mutex.acquire();
    this.closed = true;
    this.statements.clear();
    this.locks.clear();
    this.raw.close();
    this.mutex.release();
  }

  /** A lone statement: waits for a running transaction to end, as a second connection would. */
  private async alone<T>(statement: () => Promise<T>): Promise<T> {
    this.refuseInsideTransaction();
    if (!this.mutex.locked) return statement();
    await this.mutex.acquire();
    try {
      return await statement();
    } finally {
      this.mutex.release();
    }
  }

  /** The transaction holds the one connection: a statement through the database would wait forever. */
  private refuseInsideTransaction(): void {
    if (this.scope.getStore()?.active === true) {
      throw e4Error(
        E4ErrorCode.DatabaseFailed,
        'the database was used inside one of its transactions: use the Queryable the transaction gives',
      );
    }
  }

  private checkOpen(): void {
    if (this.closed) throw e4Error(E4ErrorCode.DatabaseFailed, 'the database is closed');
  }

  private exec<T>(f: () => T): T {
    this.checkOpen();
    try {
      return f();
    } catch (e) {
      throw sqliteError(e, 'a statement');
    }
  }

  private prepare(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.raw.prepare(sql);
      if (this.statements.size >= STATEMENT_CACHE_LIMIT) this.statements.clear();
      this.statements.set(sql, statement);
    }
    return statement;
  }
}


/** BLOBs come back as Buffers: handed out as plain Uint8Arrays, as the PostgreSQL driver does. */
function rowOut(row: unknown): unknown {
  if (row === undefined || row === null) return undefined;
  const r = row as Record<string, unknown>;
  for (const key in r) {
    const v = r[key];
    if (Buffer.isBuffer(v)) r[key] = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  }
  return r;
}

/**
 * SQLite's own messages name columns and constraints, not values, and SQLITE_ERROR is the
 * prepare-time failure (no such table, a syntax error): those messages are kept for whoever wrote
 * the SQL. Other failures keep only their code.
 */
function sqliteError(e: unknown, what: string): Error {
  if (isE4Error(e)) return e;
  const code = driverCodeOf(e);
  const unique = code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
  const message = e instanceof Error ? e.message : undefined;
  const aboutTheSql =
    code === 'SQLITE_ERROR' ||
    (code !== undefined && code.startsWith('SQLITE_CONSTRAINT')) ||
    // better-sqlite3's own checks: a parameter count, a value type it cannot bind.
    (code === undefined && (e instanceof TypeError || e instanceof RangeError));
  const detail = aboutTheSql ? message : undefined;
  return databaseError(what, code, unique, detail);
}

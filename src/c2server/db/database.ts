/**
 * The key server's database, whichever engine holds it: SQLite embedded (the zero set-up default)
 * or PostgreSQL (several C2 processes on one database). SQL is written once in the subset both
 * understand: `?` placeholders, integers for booleans, BIGINT unix-ms timestamps, TEXT hex ids,
 * BLOB/BYTEA bytes returned as Uint8Array. Dialect-specific DDL lives only in migrations.ts.
 *
 * Errors are `E4Error`s: a unique violation is `AlreadyExists`, anything else `DatabaseFailed`.
 * Their messages name the statement's failure, never a bound value (a value may be a sealed key,
 * a token hash or a name the caller did not mean to log).
 */
import { E4ErrorCode, e4Error, type E4Error } from '../../errors.ts';
import { migrate } from './migrations.ts';

export type SqlValue = string | number | null | Uint8Array;

export interface Queryable {
  all<T>(sql: string, params?: SqlValue[]): Promise<T[]>;
  get<T>(sql: string, params?: SqlValue[]): Promise<T | undefined>;
  run(sql: string, params?: SqlValue[]): Promise<{ changes: number }>;
}

export interface Lock {
  /**
   * Aborted when the lock is held no more though it was not released: on PostgreSQL, when its
   * connection was lost (another process may take the lock then). A holder stops what the lock
   * guards once it fires.
   */
  readonly lost: AbortSignal;
  release(): Promise<void>;
}

export interface Database extends Queryable {
  readonly dialect: 'sqlite' | 'postgres';
  /**
   * Runs `fn` in one transaction, committed when it resolves and rolled back when it throws.
   * Statements inside go through the `Queryable` given to `fn`, never through the database itself
   * (on SQLite that is refused: the one connection is held by the transaction).
   */
  transaction<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
  /**
   * Takes the named lock if no one holds it, else null. PostgreSQL: a session advisory lock on a
   * connection of its own, so a process that dies (kill -9 included) frees its locks. SQLite: a
   * lock within this process, enough because the file is exclusive to one process.
   */
  tryLock(name: string): Promise<Lock | null>;
  /**
   * Takes the named lock in shared mode if no one holds it exclusively, else null: any number of
   * processes share it, and `tryLock` of the same name fails while one does. Within a process a
   * name is held once, shared or not.
   */
  tryLockShared(name: string): Promise<Lock | null>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** PostgreSQL: the most connections the pool opens (default 10); the lock connection is extra. */
  poolSize?: number;
}

/**
 * Opens the database at `url` and brings its schema up to date: a file path, `sqlite:<path>` or
 * `:memory:` opens SQLite, `postgres://` or `postgresql://` PostgreSQL.
 */
export async function openDatabase(url: string, options: DatabaseOptions = {}): Promise<Database> {
  if (typeof url !== 'string' || url === '') {
    throw e4Error(E4ErrorCode.InvalidArgument, '"url" expected a database path or URL');
  }
  let db: Database;
  if (/^postgres(ql)?:\/\//i.test(url)) {
    const { openPostgres } = await import('./postgres.ts');
    db = await openPostgres(url, options);
  } else {
    const { openSqlite } = await import('./sqlite.ts');
    db = openSqlite(url.startsWith('sqlite:') ? url.slice('sqlite:'.length) : url);
  }
  try {
    await migrate(db);
  } catch (e) {
    await db.close();
    throw e;
  }
  return db;
}

/**
 * Runs `fn` atomically on `q`: in a new transaction when `q` is the database, as it is when `q`
 * is already a transaction's. Lets a registry operation be called alone or within a larger
 * transaction of the caller.
 */
export function atomically<T>(q: Queryable | Database, fn: (q: Queryable) => Promise<T>): Promise<T> {
  return 'transaction' in q ? q.transaction(fn) : fn(q);
}

/** A driver's failure as the E4Error callers test: the driver's code kept, its values dropped. */
export function databaseError(what: string, driverCode: string | undefined, unique: boolean, detail?: string): E4Error {
  const code = driverCode === undefined ? '' : ' (' + driverCode + ')';
  if (unique) return e4Error(E4ErrorCode.AlreadyExists, what + ': a row with the same key exists' + code);
  return e4Error(E4ErrorCode.DatabaseFailed, what + ' failed' + code + (detail === undefined ? '' : ': ' + detail));
}

/** Both drivers bind Buffers, not plain Uint8Arrays: a view over the same bytes, no copy. */
export function bindParams(params: SqlValue[] | undefined): unknown[] {
  if (params === undefined) return [];
  return params.map((p) => (p instanceof Uint8Array && !Buffer.isBuffer(p) ? Buffer.from(p.buffer, p.byteOffset, p.byteLength) : p));
}

/** The `code` property drivers put on their errors (SQLITE_BUSY, a PostgreSQL SQLSTATE…). */
export function driverCodeOf(e: unknown): string | undefined {
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/**
 * An async mutex: SQLite has one connection and its transactions span awaits, so a second
 * transaction (or a lone statement) must wait for the first to finish rather than slip into it.
 */
export class Mutex {
  private held = false;
  private readonly waiters: (() => void)[] = [];

  get locked(): boolean {
    return this.held;
  }

  acquire(): Promise<void> {
    if (!this.held) {
      this.held = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Hands the mutex to the next waiter, in arrival order. */
  release(): void {
    const next = this.waiters.shift();
    if (next === undefined) this.held = false;
    else next();
  }
}

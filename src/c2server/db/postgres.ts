/**
 * The PostgreSQL driver (pg): a pool for statements, one pooled client per transaction, and one
 * more connection of its own holding the advisory locks, so they die with the process (a kill -9
 * closes the socket and the server frees the session's locks).
 *
 * The common SQL's `?` placeholders become `$1, $2…`; int8 (BIGINT, BIGSERIAL, COUNT) and
 * numeric (SUM) come back as numbers, bytea as Uint8Array. The parsers are this pool's own
 * (`types`), not pg's global ones, so other pg users in the process are not affected.
 */
import pg from 'pg';
import { E4ErrorCode, e4Error, isE4Error } from '../../errors.ts';
import { bindParams, databaseError, driverCodeOf, type Database, type DatabaseOptions, type Lock, type Queryable, type SqlValue } from './database.ts';

const INT8_OID = 20;
const NUMERIC_OID = 1700;
const BYTEA_OID = 17;

/** The parsers of this driver's connections; every other type keeps pg's own parser. */
const TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
    if (oid === INT8_OID || oid === NUMERIC_OID) return Number;
    if (oid === BYTEA_OID) return parseBytea;
    return pg.types.getTypeParser(oid, format as 'text');
  },
} as unknown as pg.CustomTypesConfig;

/** bytea in hex output (PostgreSQL ≥ 9.0's default): `\x` then two digits a byte. */
function parseBytea(text: string): Uint8Array {
  const buffer = Buffer.from(text.slice(2), 'hex');
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

export async function openPostgres(url: string, options: DatabaseOptions): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 10, types: TYPES });
  // An idle client's failure (the server restarted) is reported to the next query, not thrown here.
  pool.on('error', () => undefined);
  try {
    const client = await pool.connect();
    client.release();
  } catch (e) {
    await pool.end();
    throw pgError(e, 'connecting to PostgreSQL');
  }
  return new PostgresDatabase(pool, url);
}

/** `?` → `$n`, outside quoted literals and identifiers. Rewritten once per SQL text. */
const rewritten = new Map<string, string>();
const REWRITE_CACHE_LIMIT = 1000;

export function numberedPlaceholders(sql: string): string {
  let out = rewritten.get(sql);
  if (out !== undefined) return out;
  out = '';
  let n = 0;
  let quote: string | null = null;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i];
    if (quote !== null) {
      if (c === quote) quote = null;
      out += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      out += c;
    } else if (c === '?') {
      out += '$' + ++n;
    } else {
      out += c;
    }
  }
  if (rewritten.size >= REWRITE_CACHE_LIMIT) rewritten.clear();
  rewritten.set(sql, out);
  return out;
}


/** The statements of one connection (the pool's next free one, or a transaction's client). */
function queryable(target: pg.Pool | pg.PoolClient): Queryable {
  const query = async (sql: string, params?: SqlValue[]): Promise<pg.QueryResult> => {
    try {
      return await target.query(numberedPlaceholders(sql), bindParams(params));
    } catch (e) {
      throw pgError(e, 'a statement');
    }
  };
  return {
    all: async <T>(sql: string, params?: SqlValue[]) => (await query(sql, params)).rows as T[],
    get: async <T>(sql: string, params?: SqlValue[]) => (await query(sql, params)).rows[0] as T | undefined,
    run: async (sql: string, params?: SqlValue[]) => ({ changes: (await query(sql, params)).rowCount ?? 0 }),
  };
}

/** The advisory lock functions of each mode; an exclusive lock waits for no shared holder, nor they for it. */
interface AdvisoryFunctions {
  take: string;
  release: string;
}
const ADVISORY = {
  exclusive: { take: 'pg_try_advisory_lock', release: 'pg_advisory_unlock' },
  shared: { take: 'pg_try_advisory_lock_shared', release: 'pg_advisory_unlock_shared' },
} satisfies Record<string, AdvisoryFunctions>;

class PostgresDatabase implements Database {
  readonly dialect = 'postgres' as const;
  private readonly statements: Queryable;
  /** The connection holding this process's advisory locks, opened at the first `tryLock`. */
  private lockClient: Promise<pg.Client> | null = null;
  /**
   * Session locks are re-entrant in PostgreSQL: the names held here are refused a second time.
   * Each maps to the controller of the `tryLock` that holds it, aborted if its connection is lost.
   */
  private readonly held = new Map<string, AbortController>();
  /**
   * The lock connection's statements, one after another: a pg client given a query while one runs
   * queues it, a use pg deprecates (and warns of), so this process queues them itself.
   */
  private lockStatements: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly url: string,
  ) {
    this.statements = queryable(pool);
  }

  async all<T>(sql: string, params?: SqlValue[]): Promise<T[]> {
    this.checkOpen();
    return this.statements.all<T>(sql, params);
  }

  async get<T>(sql: string, params?: SqlValue[]): Promise<T | undefined> {
    this.checkOpen();
    return this.statements.get<T>(sql, params);
  }

  async run(sql: string, params?: SqlValue[]): Promise<{ changes: number }> {
    this.checkOpen();
    return this.statements.run(sql, params);
  }

  async transaction<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
    this.checkOpen();
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      throw pgError(e, 'connecting to PostgreSQL');
    }
    let broken: Error | undefined;
    try {
      const q = queryable(client);
      await q.run('BEGIN');
      try {
        const result = await fn(q);
        await q.run('COMMIT');
        return result;
      } catch (e) {
        try {
          await client.query('ROLLBACK');
        } catch (rollbackFailure) {
          // A connection that cannot roll back is not returned to the pool for another caller.
          broken = rollbackFailure as Error;
        }
        throw e;
      }
    } finally {
      client.release(broken);
    }
  }

  tryLock(name: string): Promise<Lock | null> {
    return this.tryAdvisoryLock(name, ADVISORY.exclusive);
  }

  tryLockShared(name: string): Promise<Lock | null> {
    return this.tryAdvisoryLock(name, ADVISORY.shared);
  }

  private async tryAdvisoryLock(name: string, functions: AdvisoryFunctions): Promise<Lock | null> {
    this.checkOpen();
    if (this.held.has(name)) return null;
    const token = new AbortController();
    this.held.set(name, token);
    let connection: Promise<pg.Client>;
    try {
      connection = this.lockConnection();
      const row = await this.onLockConnection(connection, 'SELECT ' + functions.take + '(hashtext($1)) AS locked', name);
      if (row.rows[0].locked !== true) {
        this.forget(name, token);
        return null;
      }
    } catch (e) {
      this.forget(name, token);
      throw pgError(e, 'taking a lock');
    }
    let released = false;
    return {
      lost: token.signal,
      release: async () => {
        if (released) return;
        released = true;
        // Held no more (its connection was lost, or the database closed): nothing to unlock, and
        // the name may be held again by a newer lock of this process, which must stay.
        if (this.held.get(name) !== token || this.lockClient !== connection) return;
        this.held.delete(name);
        try {
          await this.onLockConnection(connection, 'SELECT ' + functions.release + '(hashtext($1))', name);
        } catch (e) {
          throw pgError(e, 'releasing a lock');
        }
      },
    };
  }

  /** Runs `sql` on the lock connection once every statement queued before it has finished. */
  private onLockConnection(connection: Promise<pg.Client>, sql: string, name: string): Promise<pg.QueryResult> {
    const result = this.lockStatements.then(async () => (await connection).query(sql, [name]));
    this.lockStatements = result.catch(() => undefined);
    return result;
  }

  private forget(name: string, token: AbortController): void {
    if (this.held.get(name) === token) this.held.delete(name);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.held.clear();
    const lockClient = this.lockClient;
    this.lockClient = null;
    if (lockClient !== null) {
      try {
        await (await lockClient).end();
      } catch {
        // Its locks go with the connection either way.
      }
    }
    await this.pool.end();
  }

  /**
   * Opened once and kept: the locks live as long as this connection. If it fails (the server
   * restarted, the backend was terminated), its locks are gone: their holders are told (`lost`),
   * and the names forgotten so the next `tryLock` reconnects.
   */
  private lockConnection(): Promise<pg.Client> {
    if (this.lockClient === null) {
      const client = new pg.Client({ connectionString: this.url, types: TYPES });
      const lost = (): void => {
        if (this.lockClient === opening) {
          this.lockClient = null;
          const holders = [...this.held.values()];
          this.held.clear();
          for (const holder of holders) holder.abort(e4Error(E4ErrorCode.DatabaseFailed, 'the connection holding the lock was lost'));
        }
      };
      client.on('error', lost);
      client.on('end', lost);
      const opening: Promise<pg.Client> = client.connect().then(
        () => client,
        (e: unknown) => {
          lost();
          throw e;
        },
      );
      this.lockClient = opening;
    }
    return this.lockClient;
  }

  private checkOpen(): void {
    if (this.closed) throw e4Error(E4ErrorCode.DatabaseFailed, 'the database is closed');
  }
}

/** SQLSTATE 23505: unique_violation. */
const UNIQUE_VIOLATION = '23505';

/**
 * PostgreSQL's messages may quote values ("invalid input syntax for type integer: …") and its
 * `detail` always does for constraint failures: neither is kept. Class 42 (an unknown table or
 * column, a syntax error) is about the SQL text only, so its message is kept for whoever wrote it;
 * a constraint failure keeps the constraint's name. A connection failure keeps its errno code.
 */
function pgError(e: unknown, what: string): Error {
  if (isE4Error(e)) return e;
  const code = driverCodeOf(e);
  const err = e as { message?: string; constraint?: string };
  let detail: string | undefined;
  if (code !== undefined && code.startsWith('42')) detail = err.message;
  else if (code !== undefined && code.startsWith('23') && typeof err.constraint === 'string') detail = 'constraint ' + err.constraint;
  return databaseError(what, code, code === UNIQUE_VIOLATION, detail);
}

/**
 * The key server's schema, versioned in code. `migrate` runs at every open: in one transaction
 * it reads the version recorded in `schema_migrations` and applies each later migration, so a
 * database is either at the previous version or the new one, never half-migrated. On PostgreSQL
 * several processes may open at once: a transaction-scoped advisory lock makes them migrate one
 * after the other (the second finds the work done). A database whose version is newer than this
 * code knows is refused rather than used by code that would misread it.
 *
 * DDL is written once with a few dialect words in braces, replaced per engine.
 */
import { E4ErrorCode, e4Error } from '../../errors.ts';
import type { Database, Queryable } from './database.ts';

export interface Migration {
  version: number;
  /** The statements, one per string, in the common DDL with `{words}` replaced per dialect. */
  statements: readonly string[];
}

/** Each dialect's spelling of the words the common DDL leaves open. */
const DIALECT_WORDS: Record<Database['dialect'], Record<string, string>> = {
  sqlite: {
    '{autoid}': 'INTEGER PRIMARY KEY AUTOINCREMENT',
    '{bytes}': 'BLOB',
    // SQLite compares text byte by byte already.
    '{ordered}': '',
  },
  postgres: {
    '{autoid}': 'BIGSERIAL PRIMARY KEY',
    '{bytes}': 'BYTEA',
    // Byte order, as SQLite: pages come in the same order on both, whatever the server's locale.
    '{ordered}': ' COLLATE "C"',
  },
};

const V1: readonly string[] = [
  `CREATE TABLE settings (name TEXT PRIMARY KEY, value TEXT NOT NULL)`,
  `CREATE TABLE secrets (name TEXT PRIMARY KEY, kek_id TEXT NOT NULL, sealed {bytes} NOT NULL)`,
  `CREATE TABLE keks (id TEXT PRIMARY KEY, created_at BIGINT NOT NULL, retired_at BIGINT NULL)`,
  `CREATE TABLE clients (
    id TEXT{ordered} PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    mode TEXT NOT NULL CHECK (mode IN ('symmetric', 'publicKey')),
    key_sealed {bytes} NULL,
    public_key {bytes} NULL,
    ack_key_sealed {bytes} NULL,
    kek_id TEXT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    revoked_at BIGINT NULL
  )`,
  `CREATE INDEX clients_status ON clients (status, id)`,
  `CREATE TABLE topics (
    name TEXT{ordered} PRIMARY KEY,
    hash TEXT NOT NULL,
    current_version INTEGER NOT NULL,
    created_at BIGINT NOT NULL,
    rotated_at BIGINT NULL
  )`,
  `CREATE TABLE topic_keys (
    topic TEXT{ordered} NOT NULL REFERENCES topics (name) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    key_sealed {bytes} NOT NULL,
    kek_id TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'current', 'previous', 'retired')),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (topic, version)
  )`,
  `CREATE TABLE topic_clients (
    topic TEXT{ordered} NOT NULL REFERENCES topics (name) ON DELETE CASCADE,
    client_id TEXT{ordered} NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('receiver', 'sender', 'both')),
    key_version INTEGER NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (topic, client_id)
  )`,
  `CREATE INDEX topic_clients_client ON topic_clients (client_id, topic)`,
  `CREATE TABLE jobs (
    id TEXT{ordered} PRIMARY KEY,
    kind TEXT NOT NULL,
    topic TEXT NULL,
    client_id TEXT NULL,
    state TEXT NOT NULL,
    key_version INTEGER NULL,
    params TEXT NOT NULL DEFAULT '{}',
    error_code TEXT NULL,
    error_message TEXT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    owner TEXT NULL,
    lease_until BIGINT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    finished_at BIGINT NULL
  )`,
  `CREATE INDEX jobs_state ON jobs (state, id)`,
  `CREATE INDEX jobs_topic ON jobs (topic, state)`,
  `CREATE TABLE journal (
    id {autoid},
    job_id TEXT NULL,
    client_id TEXT NOT NULL,
    command TEXT NOT NULL,
    args TEXT NOT NULL DEFAULT '{}',
    phase TEXT NULL,
    status TEXT NOT NULL CHECK (status IN ('intent', 'sent', 'confirmed', 'failed')),
    confirmed_by TEXT NULL,
    error_code TEXT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
  )`,
  `CREATE INDEX journal_job ON journal (job_id, client_id)`,
  `CREATE TABLE tokens (
    id TEXT{ordered} PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    hash TEXT NOT NULL UNIQUE,
    scope TEXT NOT NULL CHECK (scope IN ('read', 'admin')),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NULL,
    revoked_at BIGINT NULL,
    last_used_at BIGINT NULL
  )`,
  `CREATE TABLE events (
    id {autoid},
    at BIGINT NOT NULL,
    type TEXT NOT NULL,
    subject TEXT NULL,
    data TEXT NOT NULL DEFAULT '{}'
  )`,
  `CREATE INDEX events_type ON events (type, id)`,
  `CREATE TABLE rules (
    id TEXT{ordered} PRIMARY KEY,
    topic TEXT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('rotateEvery', 'rotateAfterMessages', 'rotateOnRevoke')),
    every_ms BIGINT NULL,
    after_messages INTEGER NULL,
    enabled INTEGER NOT NULL DEFAULT 1,
    last_fired_at BIGINT NULL,
    created_at BIGINT NOT NULL
  )`,
  `CREATE TABLE topic_stats (
    topic TEXT{ordered} PRIMARY KEY,
    messages BIGINT NOT NULL DEFAULT 0,
    bytes BIGINT NOT NULL DEFAULT 0,
    errors TEXT NOT NULL DEFAULT '{}',
    since_rotation BIGINT NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL
  )`,
];

/** Every migration, in order; a new one is appended, an applied one is never edited. */
export const MIGRATIONS: readonly Migration[] = [{ version: 1, statements: V1 }];

/** The schema version this code reads and writes. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

/** The advisory lock PostgreSQL openers take while migrating. */
const MIGRATION_LOCK = 'e4ts-c2 schema';

/** A statement of the common DDL in `dialect`'s words. */
export function inDialect(statement: string, dialect: Database['dialect']): string {
  const words = DIALECT_WORDS[dialect];
  return statement.replace(/\{[a-z]+\}/g, (word) => {
    const spelled = words[word];
    if (spelled === undefined) throw e4Error(E4ErrorCode.Internal, 'migration: unknown DDL word ' + word);
    return spelled;
  });
}

/** The version recorded in the database, 0 for a fresh one. */
export async function schemaVersion(q: Queryable): Promise<number> {
  const row = await q.get<{ version: number | null }>('SELECT MAX(version) AS version FROM schema_migrations');
  return row?.version ?? 0;
}

/**
 * Brings the schema to the last of `migrations` (the code's own by default; tests pass more).
 * Returns the versions applied, none when the database was up to date.
 */
export async function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  const latest = migrations[migrations.length - 1].version;
  return db.transaction(async (q) => {
    if (db.dialect === 'postgres') await q.get('SELECT pg_advisory_xact_lock(hashtext(?))', [MIGRATION_LOCK]);
    await q.run('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)');
    const current = await schemaVersion(q);
    if (current > latest) {
      throw e4Error(
        E4ErrorCode.DatabaseFailed,
        'the database schema is version ' + current + ', newer than this e4ts knows (' + latest + '): upgrade e4ts',
      );
    }
    const applied: number[] = [];
    for (const migration of migrations) {
      if (migration.version <= current) continue;
      for (const statement of migration.statements) await q.run(inDialect(statement, db.dialect));
      await q.run('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)', [migration.version, Date.now()]);
      applied.push(migration.version);
    }
    return applied;
  });
}

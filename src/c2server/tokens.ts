/**
 * API tokens: bearer secrets with a scope (`read` or `admin`), an optional expiry, revocable.
 *
 * A secret is `e4c2_` followed by 32 random bytes in base64url, shown once at creation. Only its
 * SHA3-256 (hex) is stored: a database dump gives no usable token, and authenticating is a lookup
 * of the hash (a hash of 256 random bits reveals nothing by its timing, so no constant-time
 * comparison is needed). Unknown, expired and revoked secrets are all `Unauthorized`.
 *
 * `last_used_at` is written at most once per `touchIntervalMs` per token, so authenticating every
 * request does not mean writing the database on every request.
 */
import { randomBytes } from 'node:crypto';
import { E4ErrorCode, e4Error, isE4Error } from '../errors.ts';
import { sha3_256 } from '../primitives.ts';
import { toHex } from '../utils.ts';
import type { NewToken, Page, PageRequest, TokenScope, TokenView } from './api.ts';
import type { Database, Queryable } from './db/database.ts';
import { decodeCursor, pageLimit, pageOf } from './db/pages.ts';

export const TOKEN_PREFIX = 'e4c2_';
const SECRET_PATTERN = /^e4c2_[A-Za-z0-9_-]{43}$/;
const NAME_MAX = 100;
/** The token `ensureBootstrapToken` makes on a database that has none. */
export const BOOTSTRAP_TOKEN_NAME = 'bootstrap-admin';

interface TokenRow {
  id: string;
  name: string;
  hash: string;
  scope: TokenScope;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  last_used_at: number | null;
}

const TOKEN_COLUMNS = 'id, name, hash, scope, created_at, expires_at, revoked_at, last_used_at';

function tokenView(row: TokenRow): TokenView {
  return {
    id: row.id,
    name: row.name,
    scope: row.scope,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
  };
}

function hashOf(secret: string): string {
  return toHex(sha3_256(secret));
}

export interface TokensOptions {
  now?: () => number;
  /** The least time between two writes of a token's `last_used_at` (default 60 s). */
  touchIntervalMs?: number;
}

export class Tokens {
  private readonly now: () => number;
  private readonly touchIntervalMs: number;

  constructor(
    private readonly db: Database,
    options: TokensOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.touchIntervalMs = options.touchIntervalMs ?? 60_000;
  }

  /** A new token; its secret is returned here only. */
  async create(input: NewToken, q: Queryable = this.db): Promise<{ token: TokenView; secret: string }> {
    if (typeof input !== 'object' || input === null) throw e4Error(E4ErrorCode.InvalidArgument, 'a new token is an object');
    const { name, scope, ttlMs } = input;
    if (typeof name !== 'string' || name.trim() === '' || name.length > NAME_MAX) {
      throw e4Error(E4ErrorCode.InvalidArgument, 'a token name is 1 to ' + NAME_MAX + ' characters');
    }
    if (scope !== 'read' && scope !== 'admin') throw e4Error(E4ErrorCode.InvalidArgument, 'a token scope is read or admin');
    if (ttlMs !== undefined && (typeof ttlMs !== 'number' || !Number.isSafeInteger(ttlMs) || ttlMs < 1)) {
      throw e4Error(E4ErrorCode.InvalidArgument, '"ttlMs" expected a positive integer of milliseconds');
    }
    const secret = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const row: TokenRow = {
      id: randomBytes(16).toString('hex'),
      name,
      hash: hashOf(secret),
      scope,
      created_at: this.now(),
      expires_at: null,
      revoked_at: null,
      last_used_at: null,
    };
    if (ttlMs !== undefined) row.expires_at = row.created_at + ttlMs;
    try {
      await q.run(`INSERT INTO tokens (${TOKEN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, NULL, NULL)`, [
        row.id,
        row.name,
        row.hash,
        row.scope,
        row.created_at,
        row.expires_at,
      ]);
    } catch (e) {
      if (isE4Error(e, E4ErrorCode.AlreadyExists)) throw e4Error(E4ErrorCode.AlreadyExists, 'a token with this name exists');
      throw e;
    }
    return { token: tokenView(row), secret };
  }

  /** Tokens in id order, revoked and expired ones included (never their secrets). */
  async list(page: PageRequest = {}, q: Queryable = this.db): Promise<Page<TokenView>> {
    const limit = pageLimit(page);
    const after = decodeCursor(page.cursor, 'text');
    const rows = await q.all<TokenRow>(
      `SELECT ${TOKEN_COLUMNS} FROM tokens ${after === undefined ? '' : 'WHERE id > ?'} ORDER BY id LIMIT ?`,
      after === undefined ? [limit + 1] : [after, limit + 1],
    );
    return pageOf(rows, limit, (r) => r.id, tokenView);
  }

  async get(id: string, q: Queryable = this.db): Promise<TokenView> {
    const row = typeof id === 'string' ? await q.get<TokenRow>(`SELECT ${TOKEN_COLUMNS} FROM tokens WHERE id = ?`, [id]) : undefined;
    if (row === undefined) throw e4Error(E4ErrorCode.NotFound, 'no token with this id');
    return tokenView(row);
  }

  /** Revokes a token from now on; revoking it again keeps the first time. */
  async revoke(id: string, q: Queryable = this.db): Promise<void> {
    if (typeof id !== 'string') throw e4Error(E4ErrorCode.NotFound, 'no token with this id');
    const { changes } = await q.run('UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [this.now(), id]);
    if (changes === 0) await this.get(id, q);
  }

  /** The token of a bearer secret; Unauthorized when it is malformed, unknown, expired or revoked. */
  async authenticate(secret: string): Promise<TokenView> {
    const unauthorized = (why: string) => e4Error(E4ErrorCode.Unauthorized, why);
    if (typeof secret !== 'string' || !SECRET_PATTERN.test(secret)) throw unauthorized('not an e4ts C2 token');
    const row = await this.db.get<TokenRow>(`SELECT ${TOKEN_COLUMNS} FROM tokens WHERE hash = ?`, [hashOf(secret)]);
    if (row === undefined) throw unauthorized('unknown token');
    const now = this.now();
    if (row.revoked_at !== null) throw unauthorized('the token was revoked');
    if (row.expires_at !== null && row.expires_at <= now) throw unauthorized('the token has expired');
    if (row.last_used_at === null || now - row.last_used_at >= this.touchIntervalMs) {
      // The condition is repeated in SQL: of several processes touching at once, one writes.
      await this.db.run('UPDATE tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at <= ?)', [
        now,
        row.id,
        now - this.touchIntervalMs,
      ]);
      row.last_used_at = now;
    }
    return tokenView(row);
  }

  /**
   * At first start: an admin token when the database has no token at all, its secret returned
   * for the server to show once; null when there are tokens already (or another process made the
   * bootstrap token at the same moment).
   */
  async ensureBootstrapToken(): Promise<{ token: TokenView; secret: string } | null> {
    if ((await this.db.get('SELECT id FROM tokens LIMIT 1')) !== undefined) return null;
    try {
      return await this.create({ name: BOOTSTRAP_TOKEN_NAME, scope: 'admin' });
    } catch (e) {
      if (isE4Error(e, E4ErrorCode.AlreadyExists)) return null;
      throw e;
    }
  }
}

/**
 * API tokens on both engines: a secret shown once and stored only as its SHA3-256; authentication
 * refusing malformed, unknown, expired and revoked secrets alike (Unauthorized); last use written
 * at most once per interval; duplicates and bad input refused unchanged; pages; the bootstrap
 * admin token made only on a database without tokens.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { BOOTSTRAP_TOKEN_NAME, Tokens } from '../../src/c2server/tokens.ts';
import { E4ErrorCode } from '../../src/errors.ts';
import { sha3_256 } from '../../src/primitives.ts';
import { toHex } from '../../src/utils.ts';
import { DIALECTS } from './postgres.ts';
import { manualClock, rejection, snapshot, useStores, type Store } from './store-fixtures.ts';

describe.each(DIALECTS)('tokens on $dialect', ({ dialect, skip }) => {
  const suite = useStores(dialect, skip);
  let s: Store;
  const clock = manualClock();
  let tokens: Tokens;

  beforeAll(() => {
    if (skip) return;
    s = suite.store;
    tokens = new Tokens(s.db, { now: clock.now, touchIntervalMs: 60_000 });
  });

  it.skipIf(skip)('creates a token whose secret is returned once and stored only as its SHA3-256', async () => {
    const { token, secret } = await tokens.create({ name: 'ops', scope: 'admin' });
    expect(secret).toMatch(/^e4c2_[A-Za-z0-9_-]{43}$/);
    expect(token).toEqual({ id: token.id, name: 'ops', scope: 'admin', createdAt: clock.now(), expiresAt: null, revokedAt: null, lastUsedAt: null });
    expect(JSON.stringify(token)).not.toContain(secret);
    const row = await s.db.get<{ hash: string }>('SELECT hash FROM tokens WHERE id = ?', [token.id]);
    expect(row?.hash).toBe(toHex(sha3_256(secret)));
    for (const bytes of suite.dbs.storedBytes(s.url)) expect(Buffer.from(bytes).indexOf(secret)).toBe(-1);
    expect(await tokens.authenticate(secret)).toMatchObject({ id: token.id, scope: 'admin' });
  });

  it.skipIf(skip)('writes last use once per interval, not on every request', async () => {
    const { token, secret } = await tokens.create({ name: 'touched', scope: 'read' });
    const lastUsed = async () => (await s.db.get<{ last_used_at: number | null }>('SELECT last_used_at FROM tokens WHERE id = ?', [token.id]))?.last_used_at;
    const first = clock.now();
    expect((await tokens.authenticate(secret)).lastUsedAt).toBe(first);
    clock.advance(59_999);
    expect((await tokens.authenticate(secret)).lastUsedAt).toBe(first);
    expect(await lastUsed()).toBe(first);
    clock.advance(1);
    expect((await tokens.authenticate(secret)).lastUsedAt).toBe(clock.now());
    expect(await lastUsed()).toBe(clock.now());
  });

  it.skipIf(skip)('malformed, unknown, expired and revoked secrets are Unauthorized', async () => {
    const short = await tokens.create({ name: 'short-lived', scope: 'read', ttlMs: 1000 });
    const revoked = await tokens.create({ name: 'revoked', scope: 'admin' });
    expect((await tokens.authenticate(short.secret)).expiresAt).toBe(clock.now() + 1000);
    await tokens.revoke(revoked.token.id);
    const revokedAt = (await tokens.get(revoked.token.id)).revokedAt;
    expect(revokedAt).toBe(clock.now());
    clock.advance(1000);
    await tokens.revoke(revoked.token.id);
    expect((await tokens.get(revoked.token.id)).revokedAt).toBe(revokedAt);
    const unknown = 'e4c2_' + 'A'.repeat(43);
    for (const secret of [short.secret, revoked.secret, unknown, '', 'Bearer x', short.secret + 'x', 42 as never]) {
      const e = await rejection(tokens.authenticate(secret));
      expect(e.code).toBe(E4ErrorCode.Unauthorized);
      if (typeof secret === 'string' && secret.length > 10) expect(e.message).not.toContain(secret);
    }
  });

  it.skipIf(skip)('refuses a duplicate name and bad input, changing nothing', async () => {
    await tokens.create({ name: 'taken', scope: 'read' });
    for (const [input, code] of [
      [{ name: 'taken', scope: 'admin' }, E4ErrorCode.AlreadyExists],
      [{ name: '', scope: 'read' }, E4ErrorCode.InvalidArgument],
      [{ name: 'x'.repeat(101), scope: 'read' }, E4ErrorCode.InvalidArgument],
      [{ name: 'root', scope: 'root' }, E4ErrorCode.InvalidArgument],
      [{ name: 'ttl', scope: 'read', ttlMs: 0 }, E4ErrorCode.InvalidArgument],
      [{ name: 'ttl', scope: 'read', ttlMs: 1.5 }, E4ErrorCode.InvalidArgument],
      [null, E4ErrorCode.InvalidArgument],
    ] as const) {
      const before = await snapshot(s.db);
      expect((await rejection(tokens.create(input as never))).code).toBe(code);
      expect(await snapshot(s.db)).toEqual(before);
    }
    expect((await rejection(tokens.revoke('no-such-token'))).code).toBe(E4ErrorCode.NotFound);
    expect((await rejection(tokens.get('no-such-token'))).code).toBe(E4ErrorCode.NotFound);
  });

  it.skipIf(skip)('lists every token in pages that add up to the whole list, never a secret or hash', async () => {
    for (let i = 0; i < 9; i++) await tokens.create({ name: 'paged-' + i, scope: 'read' });
    const all = (await tokens.list({ limit: 1000 })).items;
    const walked = [];
    let cursor: string | undefined;
    do {
      const page = await tokens.list({ limit: 4, cursor });
      walked.push(...page.items);
      cursor = page.next ?? undefined;
    } while (cursor !== undefined);
    expect(walked).toEqual(all);
    expect(all.map((t) => t.id)).toEqual([...all.map((t) => t.id)].sort());
    expect(Object.keys(all[0]).sort()).toEqual(['createdAt', 'expiresAt', 'id', 'lastUsedAt', 'name', 'revokedAt', 'scope']);
  });

  it.skipIf(skip)('the bootstrap admin token is made on a database without tokens only, once', async () => {
    const fresh = await suite.open();
    const first = new Tokens(fresh.db);
    const made = await first.ensureBootstrapToken();
    expect(made?.token).toMatchObject({ name: BOOTSTRAP_TOKEN_NAME, scope: 'admin' });
    expect((await first.authenticate(made!.secret)).scope).toBe('admin');
    expect(await first.ensureBootstrapToken()).toBeNull();
    expect(await tokens.ensureBootstrapToken()).toBeNull();
  });
});

/**
 * The key vault: KEKs from files, hex and the environment; the KEK file written once, 0600,
 * never overwritten; seal/open round trips and tampering (fast-check); a key moved to another row
 * does not open; a wrong or retired KEK is KekMismatch; a KEK rotation re-seals every key and is
 * all or nothing; and, on both engines, nothing stored (the SQLite files; pg_dump and every file
 * of the PostgreSQL cluster) contains any key created, in hex or raw.
 */
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha3_256 as nobleSha3 } from '@noble/hashes/sha3.js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateEd25519KeyPair, generateSymmetricKey } from '../../src/c2.ts';
import { openDatabase, type Database } from '../../src/c2server/db/database.ts';
import { openRegistry, type Registry } from '../../src/c2server/registry.ts';
import { Tokens } from '../../src/c2server/tokens.ts';
import {
  generateKekFile,
  kekFromBytes,
  kekFromHex,
  kekId,
  loadKekFile,
  openVault,
  resolveKek,
  rotateKek,
  type SealPurpose,
  type Vault,
} from '../../src/c2server/vault.ts';
import { E4ErrorCode } from '../../src/errors.ts';
import { init } from '../../src/index.ts';
import { fromHex, toHex } from '../../src/utils.ts';
import { DIALECTS } from './postgres.ts';
import { randomKek, rejection, snapshot, useStores, type Store } from './store-fixtures.ts';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'e4ts-kek-'));
  dirs.push(dir);
  return dir;
}

beforeAll(async () => {
  await init();
});
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('KEKs', () => {
  const hex = '5c'.repeat(16) + 'a7'.repeat(16);

  it('the id is hex of SHA3-256("e4ts-c2 kek id" ‖ KEK)[0:8]', () => {
    const kek = fromHex(hex, 'kek');
    const expected = toHex(nobleSha3(new Uint8Array([...new TextEncoder().encode('e4ts-c2 kek id'), ...kek])).subarray(0, 8));
    expect(kekId(kek)).toBe(expected);
    expect(kekFromHex(hex, 'test').id).toBe(expected);
  });

  it('a file holds the raw 32 bytes or 64 hex digits (a newline allowed)', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'raw'), fromHex(hex, 'kek'), { mode: 0o600 });
    writeFileSync(join(dir, 'hex'), hex + '\n', { mode: 0o600 });
    const id = kekId(fromHex(hex, 'kek'));
    expect(loadKekFile(join(dir, 'raw')).id).toBe(id);
    expect(loadKekFile(join(dir, 'hex')).id).toBe(id);
  });

  it.each([
    ['63 hex digits', 'ab'.repeat(31) + 'a', E4ErrorCode.InvalidArgument],
    ['66 hex digits', 'ab'.repeat(33), E4ErrorCode.InvalidArgument],
    ['not hex', 'zz'.repeat(32), E4ErrorCode.InvalidArgument],
    ['all zero', '00'.repeat(32), E4ErrorCode.ZeroKey],
  ])('refuses a KEK of %s', (_what, text, code) => {
    expect(() => kekFromHex(text, 'E4TS_C2_KEK')).toThrow(expect.objectContaining({ code }));
    const dir = tempDir();
    writeFileSync(join(dir, 'k'), text, { mode: 0o600 });
    expect(() => loadKekFile(join(dir, 'k'))).toThrow(expect.objectContaining({ code }));
  });

  it('a missing file is KekMismatch; a file others can read is used with a warning, a 0600 one without', () => {
    const dir = tempDir();
    expect(() => loadKekFile(join(dir, 'none'))).toThrow(expect.objectContaining({ code: E4ErrorCode.KekMismatch }));
    const path = join(dir, 'k');
    writeFileSync(path, hex);
    chmodSync(path, 0o644);
    const warnings: string[] = [];
    loadKekFile(path, { onWarning: (m) => warnings.push(m) });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('chmod 600');
    expect(warnings[0]).not.toContain(hex);
    chmodSync(path, 0o600);
    loadKekFile(path, { onWarning: (m) => warnings.push(m) });
    expect(warnings).toHaveLength(1);
  });

  it('generateKekFile writes 64 hex digits, mode 0600, no temporary left, and never overwrites', () => {
    const dir = tempDir();
    const path = join(dir, 'e4ts-c2.kek');
    const kek = generateKekFile(path);
    const text = readFileSync(path, 'latin1');
    expect(text).toMatch(/^[0-9a-f]{64}\n$/);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(kekFromHex(text, 'file').id).toBe(kek.id);
    expect(() => generateKekFile(path)).toThrow(expect.objectContaining({ code: E4ErrorCode.AlreadyExists }));
    expect(readFileSync(path, 'latin1')).toBe(text);
    expect(readdirSync(dir)).toEqual(['e4ts-c2.kek']);
    expect(() => generateKekFile(join(dir, 'no-such-dir', 'k'))).toThrow(expect.objectContaining({ code: E4ErrorCode.StoreFailed }));
  });

  it('resolveKek: --kek-file first, then E4TS_C2_KEK, then the default file, made once', () => {
    const dir = tempDir();
    const file = join(dir, 'given.kek');
    writeFileSync(file, hex, { mode: 0o600 });
    const envHex = '3d'.repeat(32);
    const env = { E4TS_C2_KEK: envHex };
    const defaultFile = join(dir, 'default.kek');
    expect(resolveKek({ kekFile: file, env, defaultFile })).toMatchObject({ source: 'file', kek: { id: kekId(fromHex(hex, 'k')) } });
    expect(resolveKek({ env, defaultFile })).toMatchObject({ source: 'env', kek: { id: kekId(fromHex(envHex, 'k')) } });
    const made = resolveKek({ env: {}, defaultFile });
    expect(made.source).toBe('generated');
    expect(resolveKek({ env: {}, defaultFile })).toMatchObject({ source: 'file', kek: { id: made.kek.id } });
    expect(() => resolveKek({ env: {} })).toThrow(expect.objectContaining({ code: E4ErrorCode.KekMismatch }));
    expect(() => resolveKek({ env: { E4TS_C2_KEK: 'abc' } })).toThrow(expect.objectContaining({ code: E4ErrorCode.InvalidArgument }));
  });
});

describe('sealing (SQLite)', () => {
  let db: Database;
  let vault: Vault;
  const dir = mkdtempSync(join(tmpdir(), 'e4ts-seal-'));
  dirs.push(dir);

  beforeAll(async () => {
    db = await openDatabase(join(dir, 'seal.db'));
    vault = await openVault(db, randomKek());
  });
  afterAll(async () => {
    await db.close();
  });

  const purpose = fc.constantFrom<SealPurpose>('client-key', 'ack-key', 'topic-key', 'secret');
  const row = fc.array(fc.string({ maxLength: 40 }), { minLength: 1, maxLength: 3 });
  const key = fc.uint8Array({ minLength: 1, maxLength: 64 });

  it('round trip: what is sealed for a row opens for that row, and the sealed bytes do not contain it', () => {
    fc.assert(
      fc.property(purpose, row, key, (p, r, k) => {
        const sealed = vault.seal(p, r, k);
        expect(sealed.length).toBe(k.length + 16);
        expect(toHex(vault.open(p, r, sealed, vault.kekId))).toBe(toHex(k));
      }),
    );
  });

  it('a sealed key with any byte changed does not open (NotAuthentic)', () => {
    fc.assert(
      fc.property(purpose, row, key, fc.nat(), fc.integer({ min: 1, max: 255 }), (p, r, k, at, flip) => {
        const sealed = vault.seal(p, r, k);
        sealed[at % sealed.length] ^= flip;
        expect(() => vault.open(p, r, sealed, vault.kekId)).toThrow(expect.objectContaining({ code: E4ErrorCode.NotAuthentic }));
      }),
    );
  });

  it('a sealed key opened for another row or purpose does not open; one cut short does not either', () => {
    fc.assert(
      fc.property(purpose, purpose, row, row, key, (p, q, r, s, k) => {
        fc.pre(p !== q || JSON.stringify(r) !== JSON.stringify(s));
        const sealed = vault.seal(p, r, k);
        expect(() => vault.open(q, s, sealed, vault.kekId)).toThrow(expect.objectContaining({ code: E4ErrorCode.NotAuthentic }));
      }),
    );
    // The row's parts are separate associated-data strings: ['ab', 'c'] is not ['a', 'bc'].
    const sealed = vault.seal('topic-key', ['ab', 'c'], new Uint8Array([1]));
    expect(() => vault.open('topic-key', ['a', 'bc'], sealed, vault.kekId)).toThrow(expect.objectContaining({ code: E4ErrorCode.NotAuthentic }));
    expect(() => vault.open('topic-key', ['ab', 'c'], sealed.subarray(0, 10), vault.kekId)).toThrow(
      expect.objectContaining({ code: E4ErrorCode.NotAuthentic }),
    );
  });

  it('a key recorded under another KEK id is KekMismatch before any opening', () => {
    const sealed = vault.seal('secret', ['x'], new Uint8Array([1, 2]));
    expect(() => vault.open('secret', ['x'], sealed, '0011223344556677')).toThrow(expect.objectContaining({ code: E4ErrorCode.KekMismatch }));
  });
});

describe.each(DIALECTS)('vault on $dialect', ({ dialect, skip }) => {
  const suite = useStores(dialect, skip);

  /** A store holding one key of every kind, and every secret it made (hex). */
  async function populated(): Promise<{ s: Store; secrets: string[] }> {
    const s = await suite.open();
    const secrets: string[] = [];
    const given = toHex(generateSymmetricKey());
    secrets.push(given);
    const a = (await s.registry.addClient({ name: 'leak-given', mode: 'symmetric', key: given })).client;
    const b = await s.registry.addClient({ name: 'leak-generated', mode: 'symmetric' });
    secrets.push(b.generatedKey!);
    const pair = generateEd25519KeyPair();
    const c = (await s.registry.addClient({ name: 'leak-pk', mode: 'publicKey', publicKey: toHex(pair.publicKey) })).client;
    for (const id of [a.id, b.client.id, c.id]) {
      // Random: the PostgreSQL cluster's files are shared by every store of this file.
      const ack = generateSymmetricKey();
      await s.registry.setAckKey(id, ack);
      secrets.push(toHex(ack));
    }
    await s.registry.addTopic('leak/topic');
    secrets.push(toHex((await s.registry.topicKey('leak/topic', 'current'))!.key));
    const v2 = await s.registry.insertPendingKey('leak/topic');
    secrets.push(toHex(v2.key));
    await s.registry.promotePendingKey('leak/topic', v2.version);
    secrets.push(toHex((await s.registry.insertPendingKey('leak/topic')).key));
    secrets.push(toHex(await s.registry.c2PrivateKey()));
    return { s, secrets };
  }

  /** Fails if any stored byte sequence holds a secret, raw or as hex (either case) or base64. */
  function expectNoSecretIn(stored: Uint8Array[], secrets: string[], what: string): void {
    for (const bytes of stored) {
      const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (const secret of secrets) {
        const raw = Buffer.from(secret, 'hex');
        for (const form of [raw, Buffer.from(secret), Buffer.from(secret.toUpperCase()), Buffer.from(raw.toString('base64'))]) {
          expect(buffer.indexOf(form), what + ' holds a key').toBe(-1);
        }
      }
    }
  }

  it.skipIf(skip)('nothing stored holds a key: every client, ack, topic and C2 key, nor the KEK, nor a token secret', async () => {
    const { s, secrets } = await populated();
    const token = await new Tokens(s.db).create({ name: 'leak-token', scope: 'admin' });
    // The KEK's SIV halves are what seals: neither may be stored either.
    secrets.push(toHex(s.kek.sivKey.subarray(0, 32)), toHex(s.kek.sivKey.subarray(32)));
    // Every sealed column is bound to the current KEK.
    expect(await s.db.all('SELECT DISTINCT kek_id FROM topic_keys UNION SELECT DISTINCT kek_id FROM secrets')).toEqual([{ kek_id: s.vault.kekId }]);
    // The positive control: the stored bytes do hold what is not secret (names, a topic).
    const stored = suite.dbs.storedBytes(s.url);
    expect(stored.some((b) => Buffer.from(b).indexOf('leak-generated') >= 0)).toBe(true);
    expectNoSecretIn(stored, secrets, dialect);
    expect(stored.some((b) => Buffer.from(b).indexOf(token.secret) >= 0)).toBe(false);
    // And the check does find a key that is stored: one raw, one in hex.
    await s.db.run("INSERT INTO secrets (name, kek_id, sealed) VALUES ('planted', 'x', ?)", [Buffer.from(secrets[1], 'hex')]);
    expect(() => expectNoSecretIn(suite.dbs.storedBytes(s.url), [secrets[1]], 'planted raw')).toThrow();
    await s.db.run("INSERT INTO settings (name, value) VALUES ('planted', ?)", [secrets[2]]);
    expect(() => expectNoSecretIn(suite.dbs.storedBytes(s.url), [secrets[2]], 'planted hex')).toThrow();
  });

  it.skipIf(skip)('a wrong KEK is KekMismatch at open, and the database is unchanged', async () => {
    const { s } = await populated();
    const before = await snapshot(s.db);
    const e = await rejection(openVault(s.db, randomKek()));
    expect(e.code).toBe(E4ErrorCode.KekMismatch);
    expect(e.message).toContain(s.vault.kekId);
    expect(await snapshot(s.db)).toEqual(before);
    await openVault(s.db, s.kek);
  });

  it.skipIf(skip)('several processes opening a fresh database at once with one KEK share one canary and one C2 key pair', async () => {
    const { db } = await suite.openBare();
    const kek = randomKek();
    const vaults = await Promise.all([0, 1, 2, 3].map(() => openVault(db, kek)));
    const registries = await Promise.all(vaults.map((v) => openRegistry(db, v)));
    const keys = await Promise.all(registries.map(async (r) => toHex(await r.c2PublicKey())));
    expect(new Set(keys).size).toBe(1);
    expect(await db.all('SELECT id FROM keks')).toEqual([{ id: kek.id }]);
    expect((await rejection(openVault(db, randomKek()))).code).toBe(E4ErrorCode.KekMismatch);
    expect(await db.all('SELECT id FROM keks')).toEqual([{ id: kek.id }]);
  });

  it.skipIf(skip)('a sealed key moved to another row does not open', async () => {
    const { s } = await populated();
    const [a, b] = (await s.db.all<{ id: string; key_sealed: Uint8Array }>("SELECT id, key_sealed FROM clients WHERE mode = 'symmetric' ORDER BY id"));
    await s.db.run('UPDATE clients SET key_sealed = ? WHERE id = ?', [a.key_sealed, b.id]);
    expect((await rejection(s.registry.clientKeys(b.id))).code).toBe(E4ErrorCode.NotAuthentic);
    // The client key of a into a's ack key column: the purpose differs.
    await s.db.run('UPDATE clients SET ack_key_sealed = key_sealed WHERE id = ?', [a.id]);
    expect((await rejection(s.registry.clientKeys(a.id))).code).toBe(E4ErrorCode.NotAuthentic);
    // Version 1's key as version 2's.
    const v1 = await s.db.get<{ key_sealed: Uint8Array }>("SELECT key_sealed FROM topic_keys WHERE topic = 'leak/topic' AND version = 1");
    await s.db.run("UPDATE topic_keys SET key_sealed = ? WHERE topic = 'leak/topic' AND version = 2", [v1!.key_sealed]);
    expect((await rejection(s.registry.topicKey('leak/topic', 2))).code).toBe(E4ErrorCode.NotAuthentic);
    expect((await s.registry.topicKey('leak/topic', 1))!.version).toBe(1);
  });

  it.skipIf(skip)('rotating the KEK re-seals every key in place; the old KEK no longer opens the database', async () => {
    const { s, secrets } = await populated();
    const keysBefore = await everyKey(s);
    const sealedBefore = await s.db.all('SELECT key_sealed FROM topic_keys ORDER BY version');
    const newKek = randomKek();
    const { resealed } = await rotateKek(s.db, s.kek, newKek);
    // 2 symmetric client keys, 3 ack keys, 3 topic keys, the canary and C2's private key.
    expect(resealed).toBe(10);
    expect(await s.db.all('SELECT DISTINCT kek_id FROM clients WHERE kek_id IS NOT NULL UNION SELECT DISTINCT kek_id FROM topic_keys UNION SELECT DISTINCT kek_id FROM secrets')).toEqual([
      { kek_id: newKek.id },
    ]);
    expect(await s.db.all('SELECT key_sealed FROM topic_keys ORDER BY version')).not.toEqual(sealedBefore);
    const keks = await s.db.all<{ id: string; retired_at: number | null }>('SELECT id, retired_at FROM keks ORDER BY created_at, id');
    expect(keks.find((k) => k.id === s.kek.id)?.retired_at).not.toBeNull();
    expect(keks.find((k) => k.id === newKek.id)?.retired_at).toBeNull();

    const oldOpen = await rejection(openVault(s.db, s.kek));
    expect(oldOpen.code).toBe(E4ErrorCode.KekMismatch);
    expect(oldOpen.message).toContain('retired');
    expect((await rejection(s.registry.clientKeys(keysBefore.clients[0].id))).code).toBe(E4ErrorCode.KekMismatch);

    const vault = await openVault(s.db, newKek);
    const registry = await openRegistry(s.db, vault);
    expect(await everyKey({ db: s.db, registry })).toEqual(keysBefore);
    expectNoSecretIn(suite.dbs.storedBytes(s.url), secrets, dialect + ' after the rotation');
    expect((await rejection(rotateKek(s.db, s.kek, randomKek()))).code).toBe(E4ErrorCode.KekMismatch);
    expect((await rejection(rotateKek(s.db, newKek, s.kek))).code).toBe(E4ErrorCode.AlreadyExists);
  });

  it.skipIf(skip)('a rotation that fails half-way changes nothing: the old KEK still opens everything', async () => {
    const { s } = await populated();
    const keysBefore = await everyKey(s);
    // A damaged row late in the walk (topic keys come after clients, which are re-sealed by then).
    const where = "WHERE topic = 'leak/topic' AND version = 3";
    const intact = await s.db.get<{ key_sealed: Uint8Array }>('SELECT key_sealed FROM topic_keys ' + where);
    await s.db.run('UPDATE topic_keys SET key_sealed = ? ' + where, [new Uint8Array(48).fill(1)]);
    const before = await snapshot(s.db);
    expect((await rejection(rotateKek(s.db, s.kek, randomKek()))).code).toBe(E4ErrorCode.NotAuthentic);
    expect(await snapshot(s.db)).toEqual(before);
    await s.db.run('UPDATE topic_keys SET key_sealed = ? ' + where, [intact!.key_sealed]);
    await openVault(s.db, s.kek);
    expect(await everyKey(s)).toEqual(keysBefore);
  });
});

/** Every key of a store, opened, as hex: clients' keys and ack keys, topic keys by version, C2's. */
async function everyKey(s: { db: Database; registry: Registry }) {
  const ids = await s.db.all<{ id: string }>('SELECT id FROM clients ORDER BY id');
  const clients = [];
  for (const { id } of ids) {
    const k = await s.registry.clientKeys(id);
    clients.push({ id, key: k.key && toHex(k.key), ack: k.ackKey && toHex(k.ackKey) });
  }
  const versions = await s.db.all<{ topic: string; version: number }>('SELECT topic, version FROM topic_keys ORDER BY topic, version');
  const topics = [];
  for (const { topic, version } of versions) topics.push([topic, version, toHex((await s.registry.topicKey(topic, version))!.key)]);
  return { clients, topics, c2: toHex(await s.registry.c2PrivateKey()) };
}

it('kekFromBytes copies: wiping the caller’s bytes leaves the KEK usable', () => {
  const bytes = fromHex('42'.repeat(32), 'kek');
  const kek = kekFromBytes(bytes);
  bytes.fill(0);
  expect(kek.id).toBe(kekId(fromHex('42'.repeat(32), 'kek')));
  expect(kek.sivKey.some((b) => b !== 0)).toBe(true);
  kek.wipe();
  expect(kek.sivKey.every((b) => b === 0)).toBe(true);
});

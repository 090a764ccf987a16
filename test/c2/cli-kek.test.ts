/**
 * `e4ts c2 kek generate|rotate` on SQLite and PostgreSQL: a new KEK file (mode 0600, never over
 * another), a rotation that re-seals every key so the server starts with the new KEK and is
 * refused the old one (KekMismatch), a rotation refused while a server runs on the database and
 * a server refused while a rotation runs (Conflict), and failures that change nothing.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/c2server/db/database.ts';
import { startC2Server, type C2Server } from '../../src/c2server/server.ts';
import { SERVING_LOCK } from '../../src/c2server/vault.ts';
import { E4ErrorCode } from '../../src/errors.ts';
import { toHex } from '../../src/utils.ts';
import { cli, isOneCleanLine } from '../cli-helpers.ts';
import { suiteDatabases, until } from './fixtures.ts';
import { DIALECTS, postgresBin } from './postgres.ts';
import { rejection } from './store-fixtures.ts';

let dir: string;
let files = 0;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'e4ts-c2-kek-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function generate(): Promise<{ file: string; id: string }> {
  const file = join(dir, 'kek-' + ++files);
  const r = await cli(['c2', 'kek', 'generate', '--out', file, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.text);
}

const rotate = (db: string, current: string, next: string, json = true) =>
  cli(['c2', 'kek', 'rotate', '--db', db, '--kek-file', current, '--new-kek-file', next, ...(json ? ['--json'] : [])]);

function start(db: string, kekFile: string): Promise<C2Server> {
  return startC2Server({ db, kekFile, http: false, service: { scheduler: false } });
}

/** What the server opens of its keys: the clients' and the topic's, as hex. */
async function openedKeys(server: C2Server, clientId: string, topic: string): Promise<string[]> {
  const client = await server.service.registry.clientKeys(clientId);
  const topicKey = await server.service.registry.topicKey(topic, 'current');
  return [toHex(client.key!), toHex(client.ackKey ?? new Uint8Array()), toHex(topicKey!.key)];
}

function expectRefused(r: { code: number; stderr: string }, pattern: RegExp): void {
  expect(r.code, r.stderr).toBe(1);
  expect(isOneCleanLine(r.stderr), r.stderr).toBe(true);
  expect(r.stderr).toMatch(pattern);
}

describe('e4ts c2 kek generate', () => {
  it('writes a 0600 file of 64 hex digits, and never over an existing one', async () => {
    const { file, id } = await generate();
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = await cli(['c2', 'kek', 'generate', '--out', join(dir, 'text-kek')]);
    expect(text.text).toMatch(/^wrote the key-encryption key [0-9a-f]{16} to /);
    expectRefused(await cli(['c2', 'kek', 'generate', '--out', file]), /^e4ts: AlreadyExists: /);
    expect((await cli(['c2', 'kek', 'generate'])).code).toBe(2);
  });
});

describe.each(DIALECTS)('e4ts c2 kek rotate on $dialect', ({ dialect, skip }) => {
  const dbs = suiteDatabases(dialect, skip);

  it.skipIf(skip)('re-seals every key: the server starts with the new KEK, not with the old; refused while a server runs', async () => {
    const url = await dbs.create();
    const old = await generate();
    const next = await generate();
    let server = await start(url, old.file);
    const added = await server.service.addClient({ name: 'thermometer-1', mode: 'symmetric' });
    await server.service.addTopic('plant/1/temperature');
    const before = await openedKeys(server, added.client.id, 'plant/1/temperature');

    const whileServed = await rotate(url, old.file, next.file);
    expectRefused(whileServed, dialect === 'sqlite' ? /^e4ts: Conflict: the SQLite database is in use by another process/ : /^e4ts: Conflict: a key server is running on this database/);
    await server.stop();

    // The refused rotation changed nothing: the old KEK still opens the database.
    server = await start(url, old.file);
    await server.stop();

    const rotated = await rotate(url, old.file, next.file);
    expect(rotated.code, rotated.stderr).toBe(0);
    const result = JSON.parse(rotated.text);
    // The client key, the topic key, C2's own private key and the canary.
    expect(result).toEqual({ kekId: next.id, retired: old.id, resealed: 4 });

    const refused = await start(url, old.file).then(
      (s) => s.stop().then(() => null),
      (e: unknown) => e as { code: string; message: string },
    );
    expect(refused?.code).toBe(E4ErrorCode.KekMismatch);
    expect(refused?.message).toContain('retired by a KEK rotation');

    server = await start(url, next.file);
    try {
      expect(await openedKeys(server, added.client.id, 'plant/1/temperature')).toEqual(before);
    } finally {
      await server.stop();
    }

    expectRefused(await rotate(url, old.file, (await generate()).file), /^e4ts: KekMismatch: /);
    const text = await rotate(url, next.file, (await generate()).file, false);
    expect(text.code, text.stderr).toBe(0);
    expect(text.text).toMatch(/^the key-encryption key is now [0-9a-f]{16} \(was [0-9a-f]{16}\): 4 keys re-sealed$/m);
  });

  it.skipIf(skip)('a server does not start while a rotation holds the database', async () => {
    const url = await dbs.create();
    const { file } = await generate();
    await (await start(url, file)).stop();
    const rotation = await openDatabase(url);
    const held = await rotation.tryLock(SERVING_LOCK);
    expect(held).not.toBeNull();
    try {
      const e = await start(url, file).then(
        () => null,
        (err: unknown) => err as { code: string; message: string },
      );
      expect(e?.code).toBe(E4ErrorCode.Conflict);
      // SQLite: the rotation's process holds the file itself.
      expect(e?.message).toContain(dialect === 'sqlite' ? 'in use by another process' : 'a key-encryption key rotation is running on this database');
    } finally {
      await held?.release();
      await rotation.close();
    }
  });

  it.skipIf(skip || dialect !== 'sqlite')('refuses a database that does not exist rather than making one', async () => {
    const { file } = await generate();
    const missing = join(dir, 'missing.db');
    expectRefused(await rotate(missing, file, (await generate()).file), /^e4ts: NotFound: no database at /);
    expect(existsSync(missing)).toBe(false);
    expect((await cli(['c2', 'kek', 'rotate', '--db', missing, '--kek-file', file])).code).toBe(2);
  });
});

describe('a key server whose serving lock’s connection is lost (PostgreSQL)', () => {
  const skip = postgresBin === null;
  const dbs = suiteDatabases('postgres', skip);
  const sharedHolders = "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND mode = 'ShareLock' AND granted";

  async function served(url: string) {
    const { file } = await generate();
    const lines: string[] = [];
    const logger = { info: () => undefined, warn: (m: string) => lines.push('warn: ' + m), error: (m: string) => lines.push('error: ' + m) };
    const server = await startC2Server({ db: url, kekFile: file, http: false, logger, service: { scheduler: false } });
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    return { server, file, lines, admin };
  }

  it.skipIf(skip)('takes the lock again once the connection is back: a KEK rotation is still refused', async () => {
    const url = await dbs.create();
    const { server, file, lines, admin } = await served(url);
    try {
      const [{ pid }] = (await admin.query(sharedHolders)).rows;
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      await until(async () => (await admin.query(sharedHolders)).rows.some((r) => r.pid !== pid), 'the serving lock to be held again');
      // The server logs once its lock query has answered, which can be after PostgreSQL lists the lock.
      await until(async () => lines.length > 0, 'the server to say the lock is held again');
      expect(lines).toEqual([expect.stringMatching(/^warn: .*serving lock.*held again/)]);
      expectRefused(await rotate(url, file, (await generate()).file), /^e4ts: Conflict: a key server is running on this database/);
      // It stores keys again.
      await server.service.addTopic('plant/after-loss');
      expect((await server.service.getTopic('plant/after-loss')).keyVersion).toBe(1);
    } finally {
      await server.stop();
      await admin.end();
    }
  });

  it.skipIf(skip)('stores no key until then, and stops if a KEK rotation took the lock meanwhile', async () => {
    const url = await dbs.create();
    const { server, lines, admin } = await served(url);
    const rotation = await openDatabase(url);
    const database = (await admin.query('SELECT current_database() AS name')).rows[0].name as string;
    // A database's connections are let in or not from another database of the cluster.
    const cluster = new URL(url);
    cluster.pathname = '/postgres';
    const gate = new pg.Client({ connectionString: cluster.href });
    await gate.connect();
    try {
      // The rotation's connection is open; no new one is let in, so the server cannot take its lock again.
      await (await rotation.tryLock('warm-up'))!.release();
      await gate.query('ALTER DATABASE "' + database + '" ALLOW_CONNECTIONS false');
      const [{ pid }] = (await admin.query(sharedHolders)).rows;
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      let held: Awaited<ReturnType<typeof rotation.tryLock>> = null;
      await until(async () => (held = await rotation.tryLock(SERVING_LOCK)) !== null, 'the rotation to take the serving lock');
      expect(await rejection(server.service.addTopic('plant/during-loss'))).toMatchObject({ code: E4ErrorCode.DatabaseFailed });
      await gate.query('ALTER DATABASE "' + database + '" ALLOW_CONNECTIONS true');

      const why = await server.stoppedOnItsOwn;
      expect(why.code).toBe(E4ErrorCode.Conflict);
      expect(lines).toEqual([expect.stringMatching(/^error: the serving lock was lost and cannot be held again .*: the key server stops$/)]);
      expect((await admin.query('SELECT name FROM topics')).rows).toEqual([]);
      await held!.release();
    } finally {
      await gate.query('ALTER DATABASE "' + database + '" ALLOW_CONNECTIONS true');
      await gate.end();
      await server.stop();
      await rotation.close();
      await admin.end();
    }
  });
});

/**
 * The key vault: every key the server stores is sealed under a key-encryption key (KEK) that
 * never enters the database, so a dump of the database alone reveals no key.
 *
 * The KEK is 32 random bytes, read from a file (`--kek-file`: the raw 32 bytes, or 64 hex digits)
 * or from E4TS_C2_KEK (64 hex digits). A KEK file readable by its group or by others is used, with
 * a warning: a KEK should be readable by the server's user alone (mode 0600, as `generateKekFile`
 * writes it). With neither given, the server keeps one in a file beside its database, made at
 * first start (`resolveKek`).
 *
 * Each key is sealed with AES-SIV of the project's core (deterministic, misuse-resistant: no nonce
 * to manage) under a 64-byte SIV key derived from the KEK, with associated data binding what the
 * key is for, the row it belongs to and the KEK's id: a sealed key copied into another row, or
 * given another purpose, does not open. The KEK's id (not secret) is the hex of the first 8 bytes
 * of SHA3-256("e4ts-c2 kek id" ‖ KEK), recorded in `keks` and beside each sealed column; a canary
 * sealed in `secrets` tells at open whether the given KEK is this database's (`KekMismatch`).
 *
 * `rotateKek` re-seals every sealed column under a new KEK in one transaction and retires the old
 * one. No key server may run on the database meanwhile (one still holding the old KEK would seal
 * new keys under a retired id): a server holds the `SERVING_LOCK` shared from start to stop
 * (`holdServing`), and the rotation takes it exclusively or is refused (`Conflict`). On SQLite the
 * file itself is exclusive to one process, so a running server's database does not even open.
 *
 * Needs `await init()` (the project's primitives) before use.
 */
import * as nodeFs from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { generateSymmetricKey } from '../c2.ts';
import { E4ErrorCode, e4Error, isE4Error, type E4Error } from '../errors.ts';
import { aesSivOpen, aesSivSeal, sha3_256 } from '../primitives.ts';
import { KEY_LEN } from '../protocol/sizes.ts';
import { concatBytes, fromHex, isAllZero, toHex, utf8Encode, wipe } from '../utils.ts';
import type { Database, Lock, Queryable } from './db/database.ts';

/** What a sealed key is for; part of its associated data. */
export type SealPurpose = 'client-key' | 'ack-key' | 'topic-key' | 'secret';

/** A loaded KEK: its id and the SIV key derived from it. `wipe` forgets the key. */
export interface Kek {
  readonly id: string;
  /** @internal The 64-byte AES-SIV key (CMAC half ‖ CTR half). */
  readonly sivKey: Uint8Array;
  wipe(): void;
}

const KEK_HEX_LEN = 2 * KEY_LEN;
const ENV_NAME = 'E4TS_C2_KEK';
/** Versioned labels: a later sealing scheme takes new ones and never reads the old as its own. */
const ID_LABEL = 'e4ts-c2 kek id';
const MAC_LABEL = 'e4ts-c2 kek siv mac';
const CTR_LABEL = 'e4ts-c2 kek siv ctr';
const AD_LABEL = 'e4ts-c2 sealed key v1';
/** The secrets row whose opening proves the KEK is this database's. */
const CANARY = 'kek.canary';

function labelled(label: string, kek: Uint8Array): Uint8Array {
  const input = concatBytes([utf8Encode(label, 'label'), kek]);
  try {
    return sha3_256(input);
  } finally {
    wipe(input);
  }
}

/** The id of a KEK: hex of SHA3-256("e4ts-c2 kek id" ‖ KEK)[0:8]. */
export function kekId(kek: Uint8Array): string {
  return toHex(labelled(ID_LABEL, kek).subarray(0, 8));
}

/** A KEK from its 32 bytes (copied; the caller may wipe its own). */
export function kekFromBytes(bytes: Uint8Array): Kek {
  if (!(bytes instanceof Uint8Array) || bytes.length !== KEY_LEN) {
    throw e4Error(E4ErrorCode.InvalidKeyLength, 'the key-encryption key must be ' + KEY_LEN + ' bytes');
  }
  if (isAllZero(bytes)) throw e4Error(E4ErrorCode.ZeroKey, 'the key-encryption key is all zero bytes');
  const mac = labelled(MAC_LABEL, bytes);
  const ctr = labelled(CTR_LABEL, bytes);
  const sivKey = concatBytes([mac, ctr]);
  wipe(mac, ctr);
  return { id: kekId(bytes), sivKey, wipe: () => wipe(sivKey) };
}

/** A KEK from 64 hex digits (surrounding white space ignored). */
export function kekFromHex(text: string, source: string): Kek {
  const hex = text.trim();
  if (!/^[0-9a-fA-F]*$/.test(hex) || hex.length !== KEK_HEX_LEN) {
    throw e4Error(E4ErrorCode.InvalidArgument, source + ': a key-encryption key is ' + KEK_HEX_LEN + ' hex digits');
  }
  const bytes = fromHex(hex, source);
  try {
    return kekFromBytes(bytes);
  } finally {
    wipe(bytes);
  }
}

export interface KekFileOptions {
  /** Told when the file is readable by its group or by others; default `process.emitWarning`. */
  onWarning?: (message: string) => void;
}

/** A KEK from a file holding its raw 32 bytes or 64 hex digits. */
export function loadKekFile(path: string, options: KekFileOptions = {}): Kek {
  let content: Buffer;
  try {
    const stat = nodeFs.statSync(path);
    if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
      (options.onWarning ?? ((m: string) => process.emitWarning(m)))(
        'the key-encryption key file "' + path + '" is readable by others than its owner: chmod 600 it',
      );
    }
    content = nodeFs.readFileSync(path);
  } catch (e) {
    throw e4Error(E4ErrorCode.KekMismatch, 'could not read the key-encryption key file "' + path + '"' + errnoSuffix(e));
  }
  try {
    if (content.length === KEY_LEN) return kekFromBytes(new Uint8Array(content.buffer, content.byteOffset, content.length));
    return kekFromHex(content.toString('latin1'), '"' + path + '"');
  } finally {
    content.fill(0);
  }
}

/**
 * Writes a new random KEK to `path` as 64 hex digits and a newline, mode 0600, and returns it.
 * Atomic and never overwriting: the text is written to a temporary file, flushed, then linked to
 * `path`, which fails if `path` exists (`AlreadyExists`): replacing a KEK would lose every key.
 */
export function generateKekFile(path: string): Kek {
  const target = resolve(path);
  const dir = dirname(target);
  const temp = join(dir, '.' + basename(target) + '.' + process.pid + '.' + toHex(generateSymmetricKey().subarray(0, 4)) + '.tmp');
  const key = generateSymmetricKey();
  const text = Buffer.from(toHex(key) + '\n', 'latin1');
  try {
    let fd: number | null = null;
    try {
      fd = nodeFs.openSync(temp, 'wx', 0o600);
      nodeFs.writeFileSync(fd, text);
      nodeFs.fsyncSync(fd);
      nodeFs.closeSync(fd);
      fd = null;
      nodeFs.linkSync(temp, target);
    } catch (e) {
      if (errnoCode(e) === 'EEXIST') {
        throw e4Error(E4ErrorCode.AlreadyExists, 'a key-encryption key file already exists at "' + target + '"');
      }
      throw e4Error(E4ErrorCode.StoreFailed, 'could not write the key-encryption key file "' + target + '"' + errnoSuffix(e));
    } finally {
      if (fd !== null) nodeFs.closeSync(fd);
      nodeFs.rmSync(temp, { force: true });
    }
    syncDirectory(dir);
    return kekFromBytes(key);
  } finally {
    wipe(key);
    text.fill(0);
  }
}

export interface ResolveKekOptions extends KekFileOptions {
  /** `--kek-file`. */
  kekFile?: string;
  /** Where E4TS_C2_KEK is read; default `process.env`. */
  env?: Record<string, string | undefined>;
  /** With neither a file nor the variable: this file, made at first start. */
  defaultFile?: string;
}

/**
 * The server's KEK: `--kek-file`, else E4TS_C2_KEK, else `defaultFile` (created with a new KEK
 * when it does not exist: the zero set-up default). `generated` tells the caller to say so.
 */
export function resolveKek(options: ResolveKekOptions): { kek: Kek; source: 'file' | 'env' | 'generated' } {
  if (options.kekFile !== undefined) return { kek: loadKekFile(options.kekFile, options), source: 'file' };
  const fromEnv = (options.env ?? process.env)[ENV_NAME];
  if (fromEnv !== undefined && fromEnv !== '') return { kek: kekFromHex(fromEnv, ENV_NAME), source: 'env' };
  if (options.defaultFile === undefined) {
    throw e4Error(E4ErrorCode.KekMismatch, 'no key-encryption key: give --kek-file or set ' + ENV_NAME);
  }
  if (nodeFs.existsSync(options.defaultFile)) return { kek: loadKekFile(options.defaultFile, options), source: 'file' };
  try {
    return { kek: generateKekFile(options.defaultFile), source: 'generated' };
  } catch (e) {
    // Another process made it between the check and the link: use that one.
    if (isE4Error(e, E4ErrorCode.AlreadyExists)) return { kek: loadKekFile(options.defaultFile, options), source: 'file' };
    throw e;
  }
}

/** The associated data of a sealed key: the scheme, its purpose, its row, the KEK's id. */
function associatedData(purpose: SealPurpose, row: readonly string[], id: string): Uint8Array[] {
  return [AD_LABEL, purpose, ...row, id].map((s) => utf8Encode(s, 'associated data'));
}

function seal(kek: Kek, purpose: SealPurpose, row: readonly string[], key: Uint8Array): Uint8Array {
  return aesSivSeal(kek.sivKey, associatedData(purpose, row, kek.id), key);
}

function open(kek: Kek, purpose: SealPurpose, row: readonly string[], sealed: Uint8Array, sealedUnder: string | null): Uint8Array {
  if (sealedUnder !== kek.id) {
    throw e4Error(E4ErrorCode.KekMismatch, 'a ' + purpose + ' was sealed under another key-encryption key (' + String(sealedUnder) + ')');
  }
  try {
    return aesSivOpen(kek.sivKey, associatedData(purpose, row, kek.id), sealed);
  } catch (e) {
    if (isE4Error(e, E4ErrorCode.NotAuthentic) || isE4Error(e, E4ErrorCode.CiphertextTooShort)) {
      throw e4Error(E4ErrorCode.NotAuthentic, 'a sealed ' + purpose + ' does not open: it was altered or moved to another row');
    }
    throw e;
  }
}

/** Seals and opens keys under the database's KEK. Opened keys belong to the caller, who wipes them. */
export interface Vault {
  readonly kekId: string;
  /** The key sealed for `row` (e.g. `[clientId]`, `[topic, version]`); store it with `kekId`. */
  seal(purpose: SealPurpose, row: readonly string[], key: Uint8Array): Uint8Array;
  /** The key back; `NotAuthentic` if it was altered or belongs to another row, `KekMismatch` if sealed under another KEK. */
  open(purpose: SealPurpose, row: readonly string[], sealed: Uint8Array, sealedUnder: string | null): Uint8Array;
}

/**
 * The vault of `db` under `kek`: on a fresh database the KEK is recorded and the canary sealed;
 * otherwise the canary must open, or `KekMismatch` (a wrong KEK, or one retired by a rotation).
 * Given the server's `serving` lock, it seals nothing while the lock is not held.
 */
export async function openVault(db: Database, kek: Kek, serving?: Serving): Promise<Vault> {
  await db.transaction(async (q) => {
    const known = await q.all<{ id: string; retired_at: number | null }>('SELECT id, retired_at FROM keks');
    if (known.length === 0) {
      // A fresh database. Several processes may open it at once: the first canary stays, and a
      // process with another KEK then fails the check below (its keks row rolled back with it).
      const canary = generateSymmetricKey();
      const sealed = seal(kek, 'secret', [CANARY], canary);
      wipe(canary);
      await q.run('INSERT INTO keks (id, created_at, retired_at) VALUES (?, ?, NULL) ON CONFLICT (id) DO NOTHING', [kek.id, Date.now()]);
      await q.run('INSERT INTO secrets (name, kek_id, sealed) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING', [CANARY, kek.id, sealed]);
    } else if (known.some((k) => k.id === kek.id && k.retired_at !== null)) {
      throw e4Error(E4ErrorCode.KekMismatch, 'the key-encryption key ' + kek.id + ' was retired by a KEK rotation: use the new one');
    }
    await checkCanary(q, kek);
  });
  return {
    kekId: kek.id,
    seal: (purpose, row, key) => {
      // A KEK rotation may run while the serving lock is lost: a key sealed then could be left
      // under the retired KEK, unreadable after it.
      if (serving !== undefined && !serving.held) {
        throw e4Error(E4ErrorCode.DatabaseFailed, 'no key is stored while the database connection holding the serving lock is restored');
      }
      return seal(kek, purpose, row, key);
    },
    open: (purpose, row, sealed, sealedUnder) => open(kek, purpose, row, sealed, sealedUnder),
  };
}

async function checkCanary(q: Queryable, kek: Kek): Promise<void> {
  const canary = await q.get<{ kek_id: string; sealed: Uint8Array }>('SELECT kek_id, sealed FROM secrets WHERE name = ?', [CANARY]);
  const current = await q.get<{ id: string }>('SELECT id FROM keks WHERE retired_at IS NULL');
  const mismatch = e4Error(
    E4ErrorCode.KekMismatch,
    'the key-encryption key ' + kek.id + ' does not open this database (its key-encryption key is ' + (current?.id ?? 'unknown') + ')',
  );
  if (canary === undefined || canary.kek_id !== kek.id) throw mismatch;
  try {
    wipe(open(kek, 'secret', [CANARY], canary.sealed, canary.kek_id));
  } catch (e) {
    if (isE4Error(e, E4ErrorCode.NotAuthentic)) throw mismatch;
    throw e;
  }
}

/**
 * Every sealed column, by table: how a row names itself in the associated data, and its sealed
 * columns with their purposes. A table's sealed columns share the row's `kek_id`.
 */
const SEALED_TABLES: readonly { table: string; key: readonly string[]; columns: readonly [string, SealPurpose][] }[] = [
  { table: 'clients', key: ['id'], columns: [['key_sealed', 'client-key'], ['ack_key_sealed', 'ack-key']] },
  { table: 'topic_keys', key: ['topic', 'version'], columns: [['key_sealed', 'topic-key']] },
  { table: 'secrets', key: ['name'], columns: [['sealed', 'secret']] },
];

/** Held shared by every running key server, exclusively by a KEK rotation. */
export const SERVING_LOCK = 'c2:serving';

/** The serving lock of a running key server, held until it stops. */
export interface Serving {
  /** False from the lock's loss (its connection dropped) until it is held again. */
  readonly held: boolean;
  release(): Promise<void>;
}

export interface ServingOptions {
  /** The wait between tries to take the lock again while the database is unreachable (default 1 s). */
  retryMs?: number;
  /** The lock was lost and is held again. */
  onRetaken?: () => void;
  /**
   * The lock cannot be held again: a KEK rotation holds it, or retired `kek` meanwhile. The
   * server must stop: every key it sealed from then on would be under a KEK the database has left.
   */
  onRefused: (error: E4Error) => void;
}

/**
 * Marks `db` as served by this process until released (at stop); `Conflict` while a KEK rotation
 * runs on it. A lock lost with its connection is taken again once the connection is back, and
 * `kek` checked to be the database's still; meanwhile `held` is false and the vault seals nothing.
 */
export async function holdServing(db: Database, kek: Kek, options: ServingOptions): Promise<Serving> {
  const first = await db.tryLockShared(SERVING_LOCK);
  if (first === null) {
    throw e4Error(E4ErrorCode.Conflict, 'a key-encryption key rotation is running on this database: start the key server once it is done');
  }
  let lock: Lock = first;
  let held = true;
  let released = false;
  let retry: ReturnType<typeof setTimeout> | undefined;
  const refuse = (error: E4Error) => {
    released = true;
    options.onRefused(error);
  };
  const tryAgainLater = () => {
    if (!released) retry = setTimeout(() => void retake(), options.retryMs ?? 1000).unref();
  };
  const retake = async (): Promise<void> => {
    retry = undefined;
    if (released) return;
    let again: Lock | null;
    try {
      again = await db.tryLockShared(SERVING_LOCK);
    } catch {
      // The database is not back yet.
      tryAgainLater();
      return;
    }
    if (again === null) {
      refuse(e4Error(E4ErrorCode.Conflict, 'a key-encryption key rotation took the database while its connection was lost'));
      return;
    }
    try {
      await checkCanary(db, kek);
    } catch (e) {
      await again.release().catch(() => undefined);
      if (isE4Error(e, E4ErrorCode.KekMismatch)) refuse(e);
      else tryAgainLater();
      return;
    }
    if (released) {
      await again.release().catch(() => undefined);
      return;
    }
    lock = again;
    held = true;
    watch(again);
    options.onRetaken?.();
  };
  const watch = (watched: Lock) =>
    watched.lost.addEventListener(
      'abort',
      () => {
        held = false;
        void retake();
      },
      { once: true },
    );
  watch(lock);
  return {
    get held() {
      return held && !released;
    },
    async release() {
      released = true;
      clearTimeout(retry);
      await lock.release();
    },
  };
}

/**
 * Re-seals every sealed key of `db` under `newKek` in one transaction, then retires `oldKek`:
 * afterwards only `newKek` opens the database. `oldKek` must be the database's current KEK.
 * `Conflict` while a key server runs on the database. Returns how many keys were re-sealed.
 */
export async function rotateKek(db: Database, oldKek: Kek, newKek: Kek): Promise<{ resealed: number }> {
  if (oldKek.id === newKek.id) throw e4Error(E4ErrorCode.InvalidArgument, 'the new key-encryption key is the current one');
  const alone = await db.tryLock(SERVING_LOCK);
  if (alone === null) {
    throw e4Error(
      E4ErrorCode.Conflict,
      'a key server is running on this database: stop every C2 process using it, then rotate its key-encryption key',
    );
  }
  try {
    return await resealAll(db, oldKek, newKek);
  } finally {
    await alone.release();
  }
}

function resealAll(db: Database, oldKek: Kek, newKek: Kek): Promise<{ resealed: number }> {
  return db.transaction(async (q) => {
    await checkCanary(q, oldKek);
    if ((await q.get('SELECT id FROM keks WHERE id = ?', [newKek.id])) !== undefined) {
      throw e4Error(E4ErrorCode.AlreadyExists, 'the new key-encryption key ' + newKek.id + ' was used by this database before');
    }
    let resealed = 0;
    for (const { table, key, columns } of SEALED_TABLES) {
      const sealedColumns = columns.map(([column]) => column);
      const rows = await q.all<Record<string, string | number | Uint8Array | null>>(
        `SELECT ${[...key, 'kek_id', ...sealedColumns].join(', ')} FROM ${table} WHERE kek_id IS NOT NULL`,
      );
      const update = `UPDATE ${table} SET ${sealedColumns.map((c) => c + ' = ?').join(', ')}, kek_id = ? WHERE ${key.map((k) => k + ' = ?').join(' AND ')}`;
      for (const row of rows) {
        const identity = key.map((k) => String(row[k]));
        const values = columns.map(([column, purpose]) => {
          const sealed = row[column];
          if (!(sealed instanceof Uint8Array)) return null;
          const plain = open(oldKek, purpose, identity, sealed, row.kek_id as string);
          resealed++;
          try {
            return seal(newKek, purpose, identity, plain);
          } finally {
            wipe(plain);
          }
        });
        await q.run(update, [...values, newKek.id, ...key.map((k) => row[k] as string | number)]);
      }
    }
    const now = Date.now();
    await q.run('UPDATE keks SET retired_at = ? WHERE id = ?', [now, oldKek.id]);
    await q.run('INSERT INTO keks (id, created_at, retired_at) VALUES (?, ?, NULL)', [newKek.id, now]);
    return { resealed };
  });
}

function errnoCode(e: unknown): string | undefined {
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

function errnoSuffix(e: unknown): string {
  const code = errnoCode(e);
  return code === undefined ? '' : ': ' + code;
}

/** Flushes the directory so the new name survives a power loss; best effort, as the file stores do. */
function syncDirectory(dir: string): void {
  try {
    const fd = nodeFs.openSync(dir, 'r');
    try {
      nodeFs.fsyncSync(fd);
    } finally {
      nodeFs.closeSync(fd);
    }
  } catch {
    // Windows cannot open a directory; some file systems refuse to fsync one.
  }
}

/**
 * The fleet registry: clients, topics and their key versions, which client uses which topic and
 * which key version it confirmed holding, and C2's own X25519 key pair. Every key is sealed
 * through the vault before it reaches the database and opened only for the engine, which wipes it
 * after use.
 *
 * Each operation takes an optional `Queryable` as its last argument: alone it runs on the
 * database (in a transaction of its own when it writes several rows); given a transaction's, it
 * becomes part of that transaction, so the engine can write a key and its job atomically.
 *
 * Topic keys, per version, go through the states pending → current → previous → retired. A
 * rotation inserts the next version as `pending` (`insertPendingKey`), the engine sends it, and
 * `promotePendingKey` makes it current in one transaction. A rotation that failed leaves its
 * pending key for the next rotation to send again (receivers that took it keep it), so a topic
 * has at most one pending key and versions are never reused.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { generateSymmetricKey, generateX25519KeyPair, sharedKeyForClient } from '../c2.ts';
import { E4ErrorCode, e4Error, isE4Error } from '../errors.ts';
import { hashTopic, idFromName } from '../primitives.ts';
import { CONTROL_TOPIC_PREFIX, ID_LEN, KEY_LEN } from '../protocol/sizes.ts';
import { fromHex, isAllZero, toHex, wipe } from '../utils.ts';
import { validateName, validateTopic } from '../validate.ts';
import type { AddedClient, ClientMode, ClientStatus, ClientView, NewClient, Page, PageRequest, TopicRole, TopicView } from './api.ts';
import { atomically, type Database, type Queryable } from './db/database.ts';
import { decodeCursor, pageLimit, pageOf } from './db/pages.ts';
import type { Vault } from './vault.ts';

export type TopicKeyState = 'pending' | 'current' | 'previous' | 'retired';

/** A topic key, opened: for the engine only, which wipes `key` once sent. */
export interface TopicKey {
  topic: string;
  version: number;
  state: TopicKeyState;
  key: Uint8Array;
  createdAt: number;
}

/** What the engine needs to command a client (the dispatcher's target); keys opened, to be wiped. */
export interface ClientKeys {
  id: string;
  name: string;
  mode: ClientMode;
  status: ClientStatus;
  /** Symmetric clients: their key (public-key clients share one with C2, derived from `publicKey`). */
  key: Uint8Array | null;
  /** Public-key clients: their Ed25519 public key. */
  publicKey: Uint8Array | null;
  ackKey: Uint8Array | null;
}

/** A client's link to a topic, as a rotation job walks them. */
export interface TopicMember {
  clientId: string;
  name: string;
  mode: ClientMode;
  status: ClientStatus;
  role: TopicRole;
  keyVersion: number | null;
}

const ROLES: readonly TopicRole[] = ['receiver', 'sender', 'both'];
const C2_PRIVATE_KEY = 'c2.x25519';
const C2_PUBLIC_KEY = 'c2.x25519.public';
/** `rotating`: a rotation job not yet finished. */
const JOB_OVER = "('done', 'failed')";

interface ClientRow {
  id: string;
  name: string;
  mode: ClientMode;
  key_sealed: Uint8Array | null;
  public_key: Uint8Array | null;
  ack_key_sealed: Uint8Array | null;
  kek_id: string | null;
  status: ClientStatus;
  created_at: number;
  updated_at: number;
  revoked_at: number | null;
}

interface TopicRow {
  name: string;
  hash: string;
  current_version: number;
  created_at: number;
  key_created_at: number;
  rotating: string | null;
}

const CLIENT_COLUMNS = 'id, name, mode, key_sealed, public_key, ack_key_sealed, kek_id, status, created_at, updated_at, revoked_at';
const TOPIC_SELECT = `SELECT t.name, t.hash, t.current_version, t.created_at, k.created_at AS key_created_at,
  (SELECT j.id FROM jobs j WHERE j.kind = 'rotate' AND j.topic = t.name AND j.state NOT IN ${JOB_OVER} ORDER BY j.created_at LIMIT 1) AS rotating
  FROM topics t JOIN topic_keys k ON k.topic = t.name AND k.version = t.current_version`;

function notFound(what: string): Error {
  return e4Error(E4ErrorCode.NotFound, 'no ' + what);
}

/** 32 lowercase hex digits of a client id; upper case accepted and lowered. */
export function checkClientId(id: unknown): string {
  if (typeof id !== 'string' || !/^[0-9a-fA-F]{32}$/.test(id)) {
    throw e4Error(E4ErrorCode.InvalidId, 'a client id is ' + 2 * ID_LEN + ' hex digits');
  }
  return id.toLowerCase();
}

function checkName(name: unknown): string {
  if (typeof name !== 'string') throw e4Error(E4ErrorCode.InvalidName, 'a client name is a string');
  const error = validateName(name);
  if (error !== null) throw error;
  return name;
}

export function checkTopic(topic: unknown): string {
  if (typeof topic !== 'string') throw e4Error(E4ErrorCode.InvalidTopic, 'a topic is a string');
  const error = validateTopic(topic);
  if (error !== null) throw error;
  // C2 publishes on its topics and subscribes to them: MQTT forbids wildcards and NUL in a topic name.
  if (/[+#\u0000]/.test(topic)) throw e4Error(E4ErrorCode.InvalidTopic, 'a topic is an MQTT topic name: no wildcard (+, #) or NUL');
  return topic;
}

function checkRole(role: unknown): TopicRole {
  if (!ROLES.includes(role as TopicRole)) throw e4Error(E4ErrorCode.InvalidArgument, 'a role is receiver, sender or both');
  return role as TopicRole;
}

/** 64 hex digits of a 32-byte key, not all zero. */
function keyFromHex(hex: unknown, title: string, zeroCode: E4ErrorCode): Uint8Array {
  if (typeof hex !== 'string' || !/^[0-9a-fA-F]*$/.test(hex)) throw e4Error(E4ErrorCode.InvalidArgument, title + ' expected hex digits');
  if (hex.length !== 2 * KEY_LEN) throw e4Error(E4ErrorCode.InvalidKeyLength, title + ' expected ' + 2 * KEY_LEN + ' hex digits');
  const key = fromHex(hex, title);
  if (isAllZero(key)) throw e4Error(zeroCode, title + ' is all zero bytes');
  return key;
}

function clientView(row: ClientRow, topics: ClientView['topics']): ClientView {
  return {
    id: row.id,
    name: row.name,
    mode: row.mode,
    status: row.status,
    controlTopic: CONTROL_TOPIC_PREFIX + row.id,
    publicKey: row.public_key === null ? null : toHex(row.public_key),
    acks: row.ack_key_sealed !== null,
    topics,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    revokedAt: row.revoked_at,
  };
}

export interface RegistryOptions {
  /** The clock of `created_at` and key ages; default `Date.now`. */
  now?: () => number;
}

/** The registry of `db`, keys sealed through `vault`; C2's X25519 key pair is made at the first open. */
export async function openRegistry(db: Database, vault: Vault, options: RegistryOptions = {}): Promise<Registry> {
  const registry = new Registry(db, vault, options.now ?? Date.now);
  await registry.ensureC2KeyPair();
  return registry;
}

export class Registry {
  /** @internal Use `openRegistry`. */
  constructor(
    private readonly db: Database,
    private readonly vault: Vault,
    private readonly now: () => number,
  ) {}

  // C2's own key pair.

  /** @internal Makes C2's X25519 key pair unless it exists (a concurrent first open keeps one). */
  async ensureC2KeyPair(): Promise<void> {
    if ((await this.db.get('SELECT name FROM secrets WHERE name = ?', [C2_PRIVATE_KEY])) !== undefined) return;
    const pair = generateX25519KeyPair();
    try {
      await this.db.transaction(async (q) => {
        const sealed = this.vault.seal('secret', [C2_PRIVATE_KEY], pair.privateKey);
        const inserted = await q.run('INSERT INTO secrets (name, kek_id, sealed) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING', [
          C2_PRIVATE_KEY,
          this.vault.kekId,
          sealed,
        ]);
        if (inserted.changes === 1) {
          await q.run('INSERT INTO settings (name, value) VALUES (?, ?)', [C2_PUBLIC_KEY, toHex(pair.publicKey)]);
        }
      });
    } finally {
      wipe(pair.privateKey);
    }
  }

  /** C2's X25519 public key (not secret: clients are given it with SetC2Key). */
  async c2PublicKey(q: Queryable = this.db): Promise<Uint8Array> {
    const row = await q.get<{ value: string }>('SELECT value FROM settings WHERE name = ?', [C2_PUBLIC_KEY]);
    if (row === undefined) throw notFound('C2 key pair');
    return fromHex(row.value, 'C2 public key');
  }

  /** C2's X25519 private key, opened: the caller wipes it. */
  async c2PrivateKey(q: Queryable = this.db): Promise<Uint8Array> {
    const row = await q.get<{ kek_id: string; sealed: Uint8Array }>('SELECT kek_id, sealed FROM secrets WHERE name = ?', [C2_PRIVATE_KEY]);
    if (row === undefined) throw notFound('C2 key pair');
    return this.vault.open('secret', [C2_PRIVATE_KEY], row.sealed, row.kek_id);
  }

  // Clients.

  /**
   * Registers a client. Its id defaults to E4's id of its name. A symmetric client's key is the
   * one given, or a new one revealed once in `generatedKey`; a public-key client's Ed25519 public
   * key must be a curve point whose key with C2 is not degenerate.
   */
  async addClient(input: NewClient, q: Queryable | Database = this.db): Promise<AddedClient> {
    if (typeof input !== 'object' || input === null) throw e4Error(E4ErrorCode.InvalidArgument, 'a new client is an object');
    const name = checkName(input.name);
    const id = input.id === undefined ? toHex(idFromName(name)) : checkClientId(input.id);
    const mode = input.mode;
    let key: Uint8Array | null = null;
    let publicKey: Uint8Array | null = null;
    let generatedKey: string | undefined;
    if (mode === 'symmetric') {
      if (input.publicKey !== undefined) throw e4Error(E4ErrorCode.InvalidArgument, 'a symmetric client takes a key, not a public key');
      if (input.key === undefined) {
        key = generateSymmetricKey();
        generatedKey = toHex(key);
      } else {
        key = keyFromHex(input.key, '"key"', E4ErrorCode.ZeroKey);
      }
    } else if (mode === 'publicKey') {
      if (input.key !== undefined) throw e4Error(E4ErrorCode.InvalidArgument, 'a public-key client takes a public key, not a key');
      publicKey = await this.checkPublicKey(input.publicKey, q);
    } else {
      throw e4Error(E4ErrorCode.InvalidArgument, 'a client mode is symmetric or publicKey');
    }
    const at = this.now();
    try {
      await atomically(q, async (t) => {
        if ((await t.get('SELECT id FROM clients WHERE id = ? OR name = ?', [id, name])) !== undefined) {
          throw e4Error(E4ErrorCode.AlreadyExists, 'a client with this id or name exists');
        }
        await t.run(
          `INSERT INTO clients (${CLIENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, NULL, ?, 'active', ?, ?, NULL)`,
          [id, name, mode, key === null ? null : this.vault.seal('client-key', [id], key), publicKey, key === null ? null : this.vault.kekId, at, at],
        );
      });
    } catch (e) {
      // The same id or name inserted between the check and the insert.
      if (isE4Error(e, E4ErrorCode.AlreadyExists)) throw e4Error(E4ErrorCode.AlreadyExists, 'a client with this id or name exists');
      throw e;
    } finally {
      if (key !== null) wipe(key);
    }
    const client = await this.getClient(id, q);
    return generatedKey === undefined ? { client } : { client, generatedKey };
  }

  private async checkPublicKey(hex: unknown, q: Queryable): Promise<Uint8Array> {
    const publicKey = keyFromHex(hex, '"publicKey"', E4ErrorCode.InvalidPublicKey);
    try {
      ed25519.Point.fromBytes(publicKey, true);
    } catch {
      throw e4Error(E4ErrorCode.InvalidPublicKey, '"publicKey" is not the encoding of a curve point');
    }
    // A low-order point would give every such client the same, guessable key with C2.
    const c2Private = await this.c2PrivateKey(q);
    try {
      wipe(sharedKeyForClient(c2Private, publicKey));
    } catch (e) {
      throw isE4Error(e) ? e4Error(E4ErrorCode.InvalidPublicKey, '"publicKey" gives no usable key with C2') : e;
    } finally {
      wipe(c2Private);
    }
    return publicKey;
  }

  async getClient(id: string, q: Queryable = this.db): Promise<ClientView> {
    const row = await this.clientRow(checkClientId(id), q);
    const links = await this.linksOf([row.id], q);
    return clientView(row, links.get(row.id) ?? []);
  }

  /** Clients in id order, optionally only those of a status or linked to a topic. */
  async listClients(page: PageRequest & { status?: ClientStatus; topic?: string } = {}, q: Queryable = this.db): Promise<Page<ClientView>> {
    const limit = pageLimit(page);
    const after = decodeCursor(page.cursor, 'text');
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (after !== undefined) {
      where.push('c.id > ?');
      params.push(after);
    }
    if (page.status !== undefined) {
      if (page.status !== 'active' && page.status !== 'revoked') throw e4Error(E4ErrorCode.InvalidArgument, 'a status is active or revoked');
      where.push('c.status = ?');
      params.push(page.status);
    }
    if (page.topic !== undefined) {
      where.push('EXISTS (SELECT 1 FROM topic_clients l WHERE l.client_id = c.id AND l.topic = ?)');
      params.push(checkTopic(page.topic));
    }
    const columns = CLIENT_COLUMNS.split(', ').map((c) => 'c.' + c).join(', ');
    const rows = await q.all<ClientRow>(
      `SELECT ${columns} FROM clients c ${where.length === 0 ? '' : 'WHERE ' + where.join(' AND ')} ORDER BY c.id LIMIT ?`,
      [...params, limit + 1],
    );
    const links = await this.linksOf(rows.slice(0, limit).map((r) => r.id), q);
    return pageOf(rows, limit, (r) => r.id, (r) => clientView(r, links.get(r.id) ?? []));
  }

  async renameClient(id: string, name: string, q: Queryable | Database = this.db): Promise<ClientView> {
    const clientId = checkClientId(id);
    const newName = checkName(name);
    await atomically(q, async (t) => {
      await this.clientRow(clientId, t);
      const holder = await t.get<{ id: string }>('SELECT id FROM clients WHERE name = ?', [newName]);
      if (holder !== undefined && holder.id !== clientId) throw e4Error(E4ErrorCode.AlreadyExists, 'a client with this name exists');
      await t.run('UPDATE clients SET name = ?, updated_at = ? WHERE id = ?', [newName, this.now(), clientId]);
    });
    return this.getClient(clientId, q);
  }

  /** Forgets a client and its links (no command is sent: that is the engine's part). */
  async deleteClient(id: string, q: Queryable = this.db): Promise<void> {
    const { changes } = await q.run('DELETE FROM clients WHERE id = ?', [checkClientId(id)]);
    if (changes === 0) throw notFound('client with this id');
  }

  /** Marks a client revoked (idempotent: a second call keeps the first `revokedAt`). Its links stay, for the engine to remove. */
  async revokeClient(id: string, q: Queryable = this.db): Promise<ClientView> {
    const clientId = checkClientId(id);
    const at = this.now();
    const { changes } = await q.run("UPDATE clients SET status = 'revoked', revoked_at = ?, updated_at = ? WHERE id = ? AND status = 'active'", [
      at,
      at,
      clientId,
    ]);
    if (changes === 0) await this.clientRow(clientId, q);
    return this.getClient(clientId, q);
  }

  /** The keys to command a client with, opened (the caller wipes `key` and `ackKey`). */
  async clientKeys(id: string, q: Queryable = this.db): Promise<ClientKeys> {
    const row = await this.clientRow(checkClientId(id), q);
    const key = row.key_sealed === null ? null : this.vault.open('client-key', [row.id], row.key_sealed, row.kek_id);
    const ackKey = row.ack_key_sealed === null ? null : this.vault.open('ack-key', [row.id], row.ack_key_sealed, row.kek_id);
    return { id: row.id, name: row.name, mode: row.mode, status: row.status, key, publicKey: row.public_key, ackKey };
  }

  /** Records the key a client acknowledges commands with (sealed), or forgets it with null. */
  async setAckKey(id: string, ackKey: Uint8Array | null, q: Queryable | Database = this.db): Promise<void> {
    const clientId = checkClientId(id);
    if (ackKey !== null && (!(ackKey instanceof Uint8Array) || ackKey.length !== KEY_LEN || isAllZero(ackKey))) {
      throw e4Error(E4ErrorCode.InvalidKeyLength, 'an ack key is ' + KEY_LEN + ' bytes, not all zero');
    }
    const sealed = ackKey === null ? null : this.vault.seal('ack-key', [clientId], ackKey);
    await atomically(q, async (t) => {
      const row = await this.clientRow(clientId, t);
      // The row's kek_id names the KEK of its sealed columns: none left, none named.
      const kek = row.key_sealed !== null || sealed !== null ? this.vault.kekId : null;
      await t.run('UPDATE clients SET ack_key_sealed = ?, kek_id = ?, updated_at = ? WHERE id = ?', [sealed, kek, this.now(), clientId]);
    });
  }

  private async clientRow(id: string, q: Queryable): Promise<ClientRow> {
    const row = await q.get<ClientRow>(`SELECT ${CLIENT_COLUMNS} FROM clients WHERE id = ?`, [id]);
    if (row === undefined) throw notFound('client with this id');
    return row;
  }

  private async linksOf(ids: string[], q: Queryable): Promise<Map<string, ClientView['topics']>> {
    const out = new Map<string, ClientView['topics']>();
    if (ids.length === 0) return out;
    const rows = await q.all<{ client_id: string; topic: string; role: TopicRole; key_version: number | null }>(
      `SELECT client_id, topic, role, key_version FROM topic_clients WHERE client_id IN (${ids.map(() => '?').join(', ')}) ORDER BY client_id, topic`,
      ids,
    );
    for (const r of rows) {
      let list = out.get(r.client_id);
      if (list === undefined) out.set(r.client_id, (list = []));
      list.push({ topic: r.topic, role: r.role, keyVersion: r.key_version });
    }
    return out;
  }

  // Topics.

  /** Registers a topic with its first key, version 1, current. */
  async addTopic(name: string, q: Queryable | Database = this.db): Promise<TopicView> {
    const topic = checkTopic(name);
    const hash = toHex(hashTopic(topic));
    const key = generateSymmetricKey();
    const at = this.now();
    try {
      await atomically(q, async (t) => {
        await t.run('INSERT INTO topics (name, hash, current_version, created_at, rotated_at) VALUES (?, ?, 1, ?, NULL)', [topic, hash, at]);
        await t.run("INSERT INTO topic_keys (topic, version, key_sealed, kek_id, state, created_at) VALUES (?, 1, ?, ?, 'current', ?)", [
          topic,
          this.vault.seal('topic-key', [topic, '1'], key),
          this.vault.kekId,
          at,
        ]);
      });
    } catch (e) {
      if (isE4Error(e, E4ErrorCode.AlreadyExists)) throw e4Error(E4ErrorCode.AlreadyExists, 'a topic with this name exists');
      throw e;
    } finally {
      wipe(key);
    }
    return this.getTopic(topic, q);
  }

  async getTopic(name: string, q: Queryable = this.db): Promise<TopicView> {
    const row = await q.get<TopicRow>(TOPIC_SELECT + ' WHERE t.name = ?', [checkTopic(name)]);
    if (row === undefined) throw notFound('topic with this name');
    const members = await this.membersOf([row.name], q);
    return this.topicView(row, members.get(row.name) ?? []);
  }

  /** Topics in name order (byte order of their UTF-8). */
  async listTopics(page: PageRequest = {}, q: Queryable = this.db): Promise<Page<TopicView>> {
    const limit = pageLimit(page);
    const after = decodeCursor(page.cursor, 'text');
    const rows = await q.all<TopicRow>(
      TOPIC_SELECT + (after === undefined ? '' : ' WHERE t.name > ?') + ' ORDER BY t.name LIMIT ?',
      after === undefined ? [limit + 1] : [after, limit + 1],
    );
    const members = await this.membersOf(rows.slice(0, limit).map((r) => r.name), q);
    return pageOf(rows, limit, (r) => r.name, (r) => this.topicView(r, members.get(r.name) ?? []));
  }

  /** Forgets a topic, its keys and its links. */
  async deleteTopic(name: string, q: Queryable = this.db): Promise<void> {
    const { changes } = await q.run('DELETE FROM topics WHERE name = ?', [checkTopic(name)]);
    if (changes === 0) throw notFound('topic with this name');
  }

  /**
   * A topic's key, opened (the caller wipes `key`): the current one, or the pending or previous
   * one (null when there is none), or a given version.
   */
  async topicKey(name: string, which: 'current' | 'pending' | 'previous' | number, q: Queryable = this.db): Promise<TopicKey | null> {
    const topic = checkTopic(name);
    const byVersion = typeof which === 'number';
    if (byVersion && (!Number.isInteger(which) || which < 1)) throw e4Error(E4ErrorCode.InvalidArgument, 'a key version is an integer ≥ 1');
    if (!byVersion && which !== 'current' && which !== 'pending' && which !== 'previous') {
      throw e4Error(E4ErrorCode.InvalidArgument, 'a key is current, pending, previous or a version');
    }
    const row = await q.get<{ version: number; state: TopicKeyState; key_sealed: Uint8Array; kek_id: string; created_at: number }>(
      `SELECT version, state, key_sealed, kek_id, created_at FROM topic_keys WHERE topic = ? AND ${byVersion ? 'version' : 'state'} = ? ORDER BY version DESC LIMIT 1`,
      [topic, which],
    );
    if (row === undefined) {
      if ((await q.get('SELECT name FROM topics WHERE name = ?', [topic])) === undefined) throw notFound('topic with this name');
      if (which === 'current') throw e4Error(E4ErrorCode.InvalidState, 'the topic has no current key');
      return null;
    }
    const key = this.vault.open('topic-key', [topic, String(row.version)], row.key_sealed, row.kek_id);
    return { topic, version: row.version, state: row.state, key, createdAt: row.created_at };
  }

  /**
   * A new key for the topic's next version, stored as pending before anything is sent; returned
   * opened (the caller wipes `key`). The version is the highest so far plus one; a caller that
   * names it (`version`) gets Conflict if that is not it. Conflict when a pending key exists.
   */
  async insertPendingKey(name: string, q: Queryable | Database = this.db, version?: number): Promise<TopicKey> {
    const topic = checkTopic(name);
    const key = generateSymmetricKey();
    const at = this.now();
    const busy = () => e4Error(E4ErrorCode.Conflict, 'the topic has a pending key already (a rotation is running)');
    try {
      const inserted = await atomically(q, async (t) => {
        const versions = await t.get<{ last: number | null; pending: number | null }>(
          "SELECT MAX(version) AS last, SUM(CASE WHEN state = 'pending' THEN 1 ELSE 0 END) AS pending FROM topic_keys WHERE topic = ?",
          [topic],
        );
        if (versions?.last === null || versions?.last === undefined) throw notFound('topic with this name');
        if ((versions.pending ?? 0) > 0) throw busy();
        const next = versions.last + 1;
        if (version !== undefined && version !== next) throw e4Error(E4ErrorCode.Conflict, 'the topic’s next key version is ' + next);
        await t.run("INSERT INTO topic_keys (topic, version, key_sealed, kek_id, state, created_at) VALUES (?, ?, ?, ?, 'pending', ?)", [
          topic,
          next,
          this.vault.seal('topic-key', [topic, String(next)], key),
          this.vault.kekId,
          at,
        ]);
        return next;
      });
      return { topic, version: inserted, state: 'pending', key, createdAt: at };
    } catch (e) {
      wipe(key);
      // Another rotation inserted the same version between the read and the insert.
      if (isE4Error(e, E4ErrorCode.AlreadyExists)) throw busy();
      throw e;
    }
  }

  /**
   * Makes the pending `version` the topic's current key, in one transaction: current → previous,
   * the older previous → retired, pending → current, `topics.current_version` and `rotated_at`.
   * Conflict unless `version` is the topic's pending key.
   */
  async promotePendingKey(name: string, version: number, q: Queryable | Database = this.db): Promise<void> {
    const topic = checkTopic(name);
    await atomically(q, async (t) => {
      const pending = await t.get("SELECT version FROM topic_keys WHERE topic = ? AND version = ? AND state = 'pending'", [topic, version]);
      if (pending === undefined) {
        if ((await t.get('SELECT name FROM topics WHERE name = ?', [topic])) === undefined) throw notFound('topic with this name');
        throw e4Error(E4ErrorCode.Conflict, 'this version is not the topic’s pending key');
      }
      await t.run("UPDATE topic_keys SET state = 'retired' WHERE topic = ? AND state = 'previous'", [topic]);
      await t.run("UPDATE topic_keys SET state = 'previous' WHERE topic = ? AND state = 'current'", [topic]);
      await t.run("UPDATE topic_keys SET state = 'current' WHERE topic = ? AND version = ?", [topic, version]);
      await t.run('UPDATE topics SET current_version = ?, rotated_at = ? WHERE name = ?', [version, this.now(), topic]);
    });
  }

  /** Retires an abandoned pending key (a failed rotation); its version is not used again. */
  private topicView(row: TopicRow, clients: TopicView['clients']): TopicView {
    return {
      name: row.name,
      hash: row.hash,
      keyVersion: row.current_version,
      keyCreatedAt: row.key_created_at,
      keyAgeMs: Math.max(0, this.now() - row.key_created_at),
      clients,
      rotating: row.rotating,
      createdAt: row.created_at,
    };
  }

  // Links.

  /**
   * Links a client to a topic with a role; linking again changes the role and keeps the
   * confirmed key version. NotFound for an unknown client or topic, Conflict for a revoked client.
   * `created` tells whether the link is new.
   */
  async link(clientId: string, topicName: string, role: TopicRole, q: Queryable | Database = this.db): Promise<{ created: boolean }> {
    const id = checkClientId(clientId);
    const topic = checkTopic(topicName);
    const checkedRole = checkRole(role);
    return atomically(q, async (t) => {
      const client = await this.clientRow(id, t);
      if (client.status === 'revoked') throw e4Error(E4ErrorCode.Conflict, 'the client is revoked');
      if ((await t.get('SELECT name FROM topics WHERE name = ?', [topic])) === undefined) throw notFound('topic with this name');
      const { changes } = await t.run('UPDATE topic_clients SET role = ? WHERE topic = ? AND client_id = ?', [checkedRole, topic, id]);
      if (changes > 0) return { created: false };
      await t.run('INSERT INTO topic_clients (topic, client_id, role, key_version, created_at) VALUES (?, ?, ?, NULL, ?)', [
        topic,
        id,
        checkedRole,
        this.now(),
      ]);
      return { created: true };
    });
  }

  async unlink(clientId: string, topicName: string, q: Queryable = this.db): Promise<void> {
    const { changes } = await q.run('DELETE FROM topic_clients WHERE topic = ? AND client_id = ?', [checkTopic(topicName), checkClientId(clientId)]);
    if (changes === 0) throw notFound('link between this client and topic');
  }

  /** Records the key version a client confirmed holding for a topic. */
  async confirmKeyVersion(clientId: string, topicName: string, version: number, q: Queryable = this.db): Promise<void> {
    if (!Number.isInteger(version) || version < 1) throw e4Error(E4ErrorCode.InvalidArgument, 'a key version is an integer ≥ 1');
    const { changes } = await q.run('UPDATE topic_clients SET key_version = ? WHERE topic = ? AND client_id = ?', [
      version,
      checkTopic(topicName),
      checkClientId(clientId),
    ]);
    if (changes === 0) throw notFound('link between this client and topic');
  }

  /** Every client linked to a topic, in id order, with its role and confirmed version. */
  async topicMembers(topicName: string, q: Queryable = this.db): Promise<TopicMember[]> {
    const topic = checkTopic(topicName);
    const rows = await q.all<{ client_id: string; name: string; mode: ClientMode; status: ClientStatus; role: TopicRole; key_version: number | null }>(
      `SELECT l.client_id, c.name, c.mode, c.status, l.role, l.key_version FROM topic_clients l JOIN clients c ON c.id = l.client_id
       WHERE l.topic = ? ORDER BY l.client_id`,
      [topic],
    );
    if (rows.length === 0 && (await q.get('SELECT name FROM topics WHERE name = ?', [topic])) === undefined) throw notFound('topic with this name');
    return rows.map((r) => ({ clientId: r.client_id, name: r.name, mode: r.mode, status: r.status, role: r.role, keyVersion: r.key_version }));
  }

  private async membersOf(topics: string[], q: Queryable): Promise<Map<string, TopicView['clients']>> {
    const out = new Map<string, TopicView['clients']>();
    if (topics.length === 0) return out;
    const rows = await q.all<{ topic: string; client_id: string; name: string; role: TopicRole; key_version: number | null }>(
      `SELECT l.topic, l.client_id, c.name, l.role, l.key_version FROM topic_clients l JOIN clients c ON c.id = l.client_id
       WHERE l.topic IN (${topics.map(() => '?').join(', ')}) ORDER BY l.topic, l.client_id`,
      topics,
    );
    for (const r of rows) {
      let list = out.get(r.topic);
      if (list === undefined) out.set(r.topic, (list = []));
      list.push({ id: r.client_id, name: r.name, role: r.role, keyVersion: r.key_version });
    }
    return out;
  }
}

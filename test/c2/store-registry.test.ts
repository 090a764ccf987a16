/**
 * The registry on both engines: clients (ids from names, given and generated keys, public keys
 * checked as curve points), topics and their key versions through a rotation's states, links with
 * roles and confirmed versions, ack keys, C2's key pair; duplicates and bad input refused with the
 * database unchanged, unknown ids NotFound, pages that add up to the whole list.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { generateEd25519KeyPair } from '../../src/c2.ts';
import { openRegistry } from '../../src/c2server/registry.ts';
import { E4ErrorCode } from '../../src/errors.ts';
import { nobleCurves } from '../../src/keys/curves.ts';
import { hashTopic, idFromName } from '../../src/primitives.ts';
import { toHex } from '../../src/utils.ts';
import { DIALECTS } from './postgres.ts';
import { rejection, snapshot, useStores, type Store } from './store-fixtures.ts';

const KEY_A = 'a1'.repeat(32);

describe.each(DIALECTS)('registry on $dialect', ({ dialect, skip }) => {
  const suite = useStores(dialect, skip);
  let s: Store;

  beforeAll(() => {
    if (!skip) s = suite.store;
  });

  /** `promise` rejects with `code` and leaves every table as it was. */
  async function refusedUnchanged(promise: () => Promise<unknown>, code: string): Promise<void> {
    const before = await snapshot(s.db);
    expect((await rejection(promise())).code).toBe(code);
    expect(await snapshot(s.db)).toEqual(before);
  }

  describe.skipIf(skip)('clients', () => {
    it('adds a symmetric client with its key: the id is E4’s id of the name, the view holds no key', async () => {
      const { client, generatedKey } = await s.registry.addClient({ name: 'sensor-a', mode: 'symmetric', key: KEY_A });
      expect(generatedKey).toBeUndefined();
      expect(client).toEqual({
        id: toHex(idFromName('sensor-a')),
        name: 'sensor-a',
        mode: 'symmetric',
        status: 'active',
        controlTopic: 'e4/' + toHex(idFromName('sensor-a')),
        publicKey: null,
        acks: false,
        topics: [],
        createdAt: s.clock.now(),
        updatedAt: s.clock.now(),
        revokedAt: null,
      });
      expect(JSON.stringify(client)).not.toContain(KEY_A);
      const keys = await s.registry.clientKeys(client.id);
      expect(toHex(keys.key!)).toBe(KEY_A);
      expect(keys.ackKey).toBeNull();
      expect(await s.registry.getClient(client.id.toUpperCase())).toEqual(client);
    });

    it('generates a key when none is given and reveals it once', async () => {
      const { client, generatedKey } = await s.registry.addClient({ name: 'sensor-gen', id: 'ab'.repeat(16), mode: 'symmetric' });
      expect(client.id).toBe('ab'.repeat(16));
      expect(generatedKey).toMatch(/^[0-9a-f]{64}$/);
      expect(toHex((await s.registry.clientKeys(client.id)).key!)).toBe(generatedKey);
      expect(JSON.stringify(await s.registry.getClient(client.id))).not.toContain(generatedKey);
    });

    it('adds a public-key client with its Ed25519 public key (not secret, shown in hex)', async () => {
      const pair = generateEd25519KeyPair();
      const { client } = await s.registry.addClient({ name: 'pk-client', mode: 'publicKey', publicKey: toHex(pair.publicKey) });
      expect(client.mode).toBe('publicKey');
      expect(client.publicKey).toBe(toHex(pair.publicKey));
      const keys = await s.registry.clientKeys(client.id);
      expect(keys.key).toBeNull();
      expect(toHex(keys.publicKey!)).toBe(toHex(pair.publicKey));
    });

    it.each([
      ['an empty name', { name: '', mode: 'symmetric' }, E4ErrorCode.InvalidName],
      ['a name of 256 bytes', { name: 'n'.repeat(256), mode: 'symmetric' }, E4ErrorCode.InvalidName],
      ['a name that is not text', { name: 42, mode: 'symmetric' }, E4ErrorCode.InvalidName],
      ['an id of 31 hex digits', { name: 'x1', id: 'a'.repeat(31), mode: 'symmetric' }, E4ErrorCode.InvalidId],
      ['an id that is not hex', { name: 'x2', id: 'g'.repeat(32), mode: 'symmetric' }, E4ErrorCode.InvalidId],
      ['an unknown mode', { name: 'x3', mode: 'both' }, E4ErrorCode.InvalidArgument],
      ['a key of 62 hex digits', { name: 'x4', mode: 'symmetric', key: 'ab'.repeat(31) }, E4ErrorCode.InvalidKeyLength],
      ['a key that is not hex', { name: 'x5', mode: 'symmetric', key: 'zz'.repeat(32) }, E4ErrorCode.InvalidArgument],
      ['an all-zero key', { name: 'x6', mode: 'symmetric', key: '00'.repeat(32) }, E4ErrorCode.ZeroKey],
      ['a public key for a symmetric client', { name: 'x7', mode: 'symmetric', publicKey: 'ab'.repeat(32) }, E4ErrorCode.InvalidArgument],
      ['a key for a public-key client', { name: 'x8', mode: 'publicKey', key: KEY_A }, E4ErrorCode.InvalidArgument],
      ['no public key for a public-key client', { name: 'x9', mode: 'publicKey' }, E4ErrorCode.InvalidArgument],
      ['a public key of 31 bytes', { name: 'x10', mode: 'publicKey', publicKey: 'ab'.repeat(31) }, E4ErrorCode.InvalidKeyLength],
      ['an all-zero public key', { name: 'x11', mode: 'publicKey', publicKey: '00'.repeat(32) }, E4ErrorCode.InvalidPublicKey],
      // y = 2 has no x on the curve (2 is not a square of the curve's equation there).
      ['a public key off the curve', { name: 'x12', mode: 'publicKey', publicKey: '02' + '00'.repeat(31) }, E4ErrorCode.InvalidPublicKey],
      // The neutral point (y = 1): a point, but of order 1; its key with C2 would be all zero.
      ['a low-order public key', { name: 'x13', mode: 'publicKey', publicKey: '01' + '00'.repeat(31) }, E4ErrorCode.InvalidPublicKey],
    ])('refuses %s, changing nothing', async (_what, input, code) => {
      await refusedUnchanged(() => s.registry.addClient(input as never), code);
    });

    it('a duplicate name or id is AlreadyExists, the database unchanged', async () => {
      await s.registry.addClient({ name: 'dup', mode: 'symmetric' });
      await refusedUnchanged(() => s.registry.addClient({ name: 'dup', id: 'cd'.repeat(16), mode: 'symmetric' }), E4ErrorCode.AlreadyExists);
      await refusedUnchanged(() => s.registry.addClient({ name: 'other-name', id: toHex(idFromName('dup')), mode: 'symmetric' }), E4ErrorCode.AlreadyExists);
    });

    it('renames; a name taken by another client is AlreadyExists; the same name is fine', async () => {
      const { client } = await s.registry.addClient({ name: 'to-rename', mode: 'symmetric' });
      s.clock.advance(1000);
      const renamed = await s.registry.renameClient(client.id, 'renamed');
      expect(renamed).toMatchObject({ id: client.id, name: 'renamed', updatedAt: client.updatedAt + 1000 });
      expect((await s.registry.renameClient(client.id, 'renamed')).name).toBe('renamed');
      await refusedUnchanged(() => s.registry.renameClient(client.id, 'dup'), E4ErrorCode.AlreadyExists);
      await refusedUnchanged(() => s.registry.renameClient(client.id, ''), E4ErrorCode.InvalidName);
    });

    it('revokes once: the first revokedAt stays; a revoked client cannot be linked', async () => {
      const { client } = await s.registry.addClient({ name: 'to-revoke', mode: 'symmetric' });
      await s.registry.addTopic('revoke/topic');
      const revoked = await s.registry.revokeClient(client.id);
      expect(revoked.status).toBe('revoked');
      expect(revoked.revokedAt).toBe(s.clock.now());
      s.clock.advance(5000);
      expect((await s.registry.revokeClient(client.id)).revokedAt).toBe(revoked.revokedAt);
      await refusedUnchanged(() => s.registry.link(client.id, 'revoke/topic', 'both'), E4ErrorCode.Conflict);
    });

    it('deletes a client and its links', async () => {
      const { client } = await s.registry.addClient({ name: 'to-delete', mode: 'symmetric' });
      await s.registry.addTopic('delete/topic');
      await s.registry.link(client.id, 'delete/topic', 'receiver');
      await s.registry.deleteClient(client.id);
      expect((await rejection(s.registry.getClient(client.id))).code).toBe(E4ErrorCode.NotFound);
      expect((await s.registry.getTopic('delete/topic')).clients).toEqual([]);
    });

    it('keeps an ack key sealed and gives it back; null forgets it', async () => {
      const { client } = await s.registry.addClient({ name: 'acker', mode: 'symmetric' });
      const ack = new Uint8Array(32).fill(7);
      await s.registry.setAckKey(client.id, ack);
      expect((await s.registry.getClient(client.id)).acks).toBe(true);
      expect([...(await s.registry.clientKeys(client.id)).ackKey!]).toEqual([...ack]);
      await s.registry.setAckKey(client.id, null);
      expect((await s.registry.getClient(client.id)).acks).toBe(false);
      expect((await rejection(s.registry.setAckKey(client.id, new Uint8Array(31)))).code).toBe(E4ErrorCode.InvalidKeyLength);
      expect((await rejection(s.registry.setAckKey(client.id, new Uint8Array(32)))).code).toBe(E4ErrorCode.InvalidKeyLength);
    });

    it('a public-key client’s ack key names the KEK of its row, and none once forgotten', async () => {
      const pair = generateEd25519KeyPair();
      const { client } = await s.registry.addClient({ name: 'pk-acker', mode: 'publicKey', publicKey: toHex(pair.publicKey) });
      const kekOf = async () => (await s.db.get<{ kek_id: string | null }>('SELECT kek_id FROM clients WHERE id = ?', [client.id]))?.kek_id;
      expect(await kekOf()).toBeNull();
      await s.registry.setAckKey(client.id, new Uint8Array(32).fill(9));
      expect(await kekOf()).toBe(s.vault.kekId);
      await s.registry.setAckKey(client.id, null);
      expect(await kekOf()).toBeNull();
    });
  });

  describe.skipIf(skip)('topics and key versions', () => {
    it('adds a topic with E4’s hash and a first key, version 1, whose age follows the clock', async () => {
      const topic = await s.registry.addTopic('plant/line-1/temperature');
      expect(topic).toEqual({
        name: 'plant/line-1/temperature',
        hash: toHex(hashTopic('plant/line-1/temperature')),
        keyVersion: 1,
        keyCreatedAt: s.clock.now(),
        keyAgeMs: 0,
        clients: [],
        rotating: null,
        createdAt: s.clock.now(),
      });
      s.clock.advance(60_000);
      expect((await s.registry.getTopic('plant/line-1/temperature')).keyAgeMs).toBe(60_000);
      const current = await s.registry.topicKey('plant/line-1/temperature', 'current');
      expect(current).toMatchObject({ version: 1, state: 'current' });
      expect(current!.key).toHaveLength(32);
      expect(await s.registry.topicKey('plant/line-1/temperature', 'pending')).toBeNull();
      expect(await s.registry.topicKey('plant/line-1/temperature', 'previous')).toBeNull();
    });

    it('refuses a duplicate topic and invalid topics, changing nothing', async () => {
      await s.registry.addTopic('dup/topic');
      await refusedUnchanged(() => s.registry.addTopic('dup/topic'), E4ErrorCode.AlreadyExists);
      await refusedUnchanged(() => s.registry.addTopic(''), E4ErrorCode.InvalidTopic);
      await refusedUnchanged(() => s.registry.addTopic('t'.repeat(513)), E4ErrorCode.InvalidTopic);
      await refusedUnchanged(() => s.registry.addTopic(7 as never), E4ErrorCode.InvalidTopic);
    });

    it('walks a rotation: pending, promoted to current, the old current previous, the one before retired', async () => {
      const t = 'rotating/topic';
      await s.registry.addTopic(t);
      const v1 = await s.registry.topicKey(t, 'current');
      const pending = await s.registry.insertPendingKey(t);
      expect(pending).toMatchObject({ version: 2, state: 'pending' });
      expect(toHex(pending.key)).not.toBe(toHex(v1!.key));
      expect(toHex((await s.registry.topicKey(t, 'pending'))!.key)).toBe(toHex(pending.key));
      await refusedUnchanged(() => s.registry.insertPendingKey(t), E4ErrorCode.Conflict);
      expect((await s.registry.getTopic(t)).keyVersion).toBe(1);
      s.clock.advance(10);
      await s.registry.promotePendingKey(t, 2);
      expect((await s.registry.getTopic(t)).keyVersion).toBe(2);
      expect(toHex((await s.registry.topicKey(t, 'current'))!.key)).toBe(toHex(pending.key));
      expect(toHex((await s.registry.topicKey(t, 'previous'))!.key)).toBe(toHex(v1!.key));
      const v3 = await s.registry.insertPendingKey(t, s.db, 3);
      await s.registry.promotePendingKey(t, v3.version);
      expect(await s.db.all('SELECT version, state FROM topic_keys WHERE topic = ? ORDER BY version', [t])).toEqual([
        { version: 1, state: 'retired' },
        { version: 2, state: 'previous' },
        { version: 3, state: 'current' },
      ]);
      expect((await s.db.get<{ rotated_at: number }>('SELECT rotated_at FROM topics WHERE name = ?', [t]))?.rotated_at).toBe(s.clock.now());
      expect(toHex((await s.registry.topicKey(t, 1))!.key)).toBe(toHex(v1!.key));
    });

    it('a named version other than the next is Conflict; promoting a version that is not pending is Conflict', async () => {
      const t = 'versions/topic';
      await s.registry.addTopic(t);
      await refusedUnchanged(() => s.registry.insertPendingKey(t, s.db, 5), E4ErrorCode.Conflict);
      await refusedUnchanged(() => s.registry.promotePendingKey(t, 1), E4ErrorCode.Conflict);
      await refusedUnchanged(() => s.registry.promotePendingKey(t, 2), E4ErrorCode.Conflict);
    });

    it('a topic key written in a transaction that fails is not kept', async () => {
      const e = await rejection(
        s.db.transaction(async (q) => {
          await s.registry.addTopic('never/kept', q);
          throw new Error('after the insert');
        }),
      );
      expect(e.message).toBe('after the insert');
      expect((await rejection(s.registry.getTopic('never/kept'))).code).toBe(E4ErrorCode.NotFound);
      expect(await s.db.all("SELECT * FROM topic_keys WHERE topic = 'never/kept'")).toEqual([]);
    });

    it('`rotating` names the rotation job running for the topic, and only while it runs', async () => {
      const t = 'job/topic';
      await s.registry.addTopic(t);
      await s.db.run("INSERT INTO jobs (id, kind, topic, state, created_at, updated_at) VALUES ('job-1', 'rotate', ?, 'receivers', 1, 1)", [t]);
      expect((await s.registry.getTopic(t)).rotating).toBe('job-1');
      await s.db.run("UPDATE jobs SET state = 'done' WHERE id = 'job-1'");
      expect((await s.registry.getTopic(t)).rotating).toBeNull();
    });

    it('deletes a topic with its keys and links', async () => {
      const t = 'gone/topic';
      const { client } = await s.registry.addClient({ name: 'gone-client', mode: 'symmetric' });
      await s.registry.addTopic(t);
      await s.registry.link(client.id, t, 'both');
      await s.registry.deleteTopic(t);
      expect(await s.db.all('SELECT * FROM topic_keys WHERE topic = ?', [t])).toEqual([]);
      expect((await s.registry.getClient(client.id)).topics).toEqual([]);
    });
  });

  describe.skipIf(skip)('links', () => {
    it('links with a role, relinks with another keeping the confirmed version, unlinks', async () => {
      const t = 'links/topic';
      await s.registry.addTopic(t);
      const a = (await s.registry.addClient({ name: 'link-a', mode: 'symmetric' })).client;
      const b = (await s.registry.addClient({ name: 'link-b', mode: 'symmetric' })).client;
      expect(await s.registry.link(a.id, t, 'receiver')).toEqual({ created: true });
      expect(await s.registry.link(b.id, t, 'sender')).toEqual({ created: true });
      await s.registry.confirmKeyVersion(a.id, t, 1);
      expect(await s.registry.link(a.id, t, 'both')).toEqual({ created: false });
      expect((await s.registry.getClient(a.id)).topics).toEqual([{ topic: t, role: 'both', keyVersion: 1 }]);
      const [first, second] = [a, b].sort((x, y) => (x.id < y.id ? -1 : 1));
      expect((await s.registry.getTopic(t)).clients).toEqual(
        [first, second].map((c) => ({ id: c.id, name: c.name, role: c === a ? 'both' : 'sender', keyVersion: c === a ? 1 : null })),
      );
      expect((await s.registry.topicMembers(t)).map((m) => [m.clientId, m.role, m.keyVersion, m.status, m.mode])).toEqual(
        [first, second].map((c) => [c.id, c === a ? 'both' : 'sender', c === a ? 1 : null, 'active', 'symmetric']),
      );
      await s.registry.unlink(b.id, t);
      expect((await s.registry.getTopic(t)).clients.map((c) => c.id)).toEqual([a.id]);
      await refusedUnchanged(() => s.registry.unlink(b.id, t), E4ErrorCode.NotFound);
      await refusedUnchanged(() => s.registry.link(a.id, t, 'owner' as never), E4ErrorCode.InvalidArgument);
      await refusedUnchanged(() => s.registry.confirmKeyVersion(a.id, t, 0), E4ErrorCode.InvalidArgument);
    });
  });

  describe.skipIf(skip)('unknown ids and names', () => {
    const nobody = 'ee'.repeat(16);
    it.each([
      ['getClient', () => s.registry.getClient(nobody)],
      ['renameClient', () => s.registry.renameClient(nobody, 'whoever')],
      ['deleteClient', () => s.registry.deleteClient(nobody)],
      ['revokeClient', () => s.registry.revokeClient(nobody)],
      ['clientKeys', () => s.registry.clientKeys(nobody)],
      ['setAckKey', () => s.registry.setAckKey(nobody, new Uint8Array(32).fill(1))],
      ['link (client)', () => s.registry.link(nobody, 'dup/topic', 'both')],
      ['link (topic)', () => s.registry.link(toHex(idFromName('dup')), 'no/such/topic', 'both')],
      ['unlink', () => s.registry.unlink(nobody, 'dup/topic')],
      ['confirmKeyVersion', () => s.registry.confirmKeyVersion(nobody, 'dup/topic', 1)],
      ['getTopic', () => s.registry.getTopic('no/such/topic')],
      ['deleteTopic', () => s.registry.deleteTopic('no/such/topic')],
      ['topicKey', () => s.registry.topicKey('no/such/topic', 'current')],
      ['insertPendingKey', () => s.registry.insertPendingKey('no/such/topic')],
      ['promotePendingKey', () => s.registry.promotePendingKey('no/such/topic', 2)],
      ['topicMembers', () => s.registry.topicMembers('no/such/topic')],
    ])('%s is NotFound, changing nothing', async (_name, call) => {
      await refusedUnchanged(call, E4ErrorCode.NotFound);
    });
  });

  describe.skipIf(skip)('pages', () => {
    let ids: string[];
    beforeAll(async () => {
      await s.registry.addTopic('paged/topic');
      ids = [];
      for (let i = 0; i < 23; i++) {
        const { client } = await s.registry.addClient({ name: 'paged-' + i, mode: 'symmetric' });
        ids.push(client.id);
        if (i % 3 === 0) await s.registry.link(client.id, 'paged/topic', 'receiver');
        if (i % 5 === 0) await s.registry.revokeClient(client.id);
      }
    });

    async function walk<T>(list: (cursor?: string) => Promise<{ items: T[]; next: string | null }>): Promise<T[][]> {
      const pages: T[][] = [];
      let cursor: string | undefined;
      do {
        const page = await list(cursor);
        pages.push(page.items);
        cursor = page.next ?? undefined;
      } while (cursor !== undefined);
      return pages;
    }

    it('client pages add up to the whole list, in id order, the last page’s next null', async () => {
      const all = (await s.registry.listClients({ limit: 1000 })).items.map((c) => c.id);
      expect(all).toEqual([...all].sort());
      expect(all).toEqual(expect.arrayContaining(ids));
      const pages = await walk((cursor) => s.registry.listClients({ limit: 7, cursor }));
      expect(pages.slice(0, -1).every((p) => p.length === 7)).toBe(true);
      expect(pages.flat().map((c) => c.id)).toEqual(all);
    });

    it('filters by status and by topic, across pages', async () => {
      const revoked = (await walk((cursor) => s.registry.listClients({ limit: 2, cursor, status: 'revoked' }))).flat();
      expect(revoked.every((c) => c.status === 'revoked')).toBe(true);
      expect(revoked.filter((c) => c.name.startsWith('paged-'))).toHaveLength(5);
      const linked = (await walk((cursor) => s.registry.listClients({ limit: 3, cursor, topic: 'paged/topic' }))).flat();
      expect(linked.map((c) => c.name).sort()).toEqual([0, 3, 6, 9, 12, 15, 18, 21].map((i) => 'paged-' + i).sort());
      expect(linked.every((c) => c.topics.some((t) => t.topic === 'paged/topic'))).toBe(true);
    });

    it('topic pages add up to the whole list, in byte order of the names', async () => {
      for (const name of ['é/unicode', 'Z/upper', 'a/lower', '0/digit']) await s.registry.addTopic(name);
      const all = (await s.registry.listTopics({ limit: 1000 })).items.map((t) => t.name);
      expect(all).toEqual([...all].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))));
      expect((await walk((cursor) => s.registry.listTopics({ limit: 4, cursor }))).flat().map((t) => t.name)).toEqual(all);
    });

    it.each([
      ['a limit of 0', { limit: 0 }],
      ['a limit of 1001', { limit: 1001 }],
      ['a fractional limit', { limit: 2.5 }],
      ['a cursor not made here', { cursor: '!!!' }],
      ['a cursor that is not canonical base64url', { cursor: 'YQ=' }],
      ['an unknown status', { status: 'lost' }],
    ])('refuses %s', async (_what, page) => {
      expect((await rejection(s.registry.listClients(page as never))).code).toBe(E4ErrorCode.InvalidArgument);
    });
  });

  describe.skipIf(skip)('C2’s key pair', () => {
    it('is made at the first open, sealed, and the same at every later open', async () => {
      const pub = await s.registry.c2PublicKey();
      const priv = await s.registry.c2PrivateKey();
      expect(toHex(nobleCurves.x25519PublicKey(priv))).toBe(toHex(pub));
      const again = await openRegistry(s.db, s.vault);
      expect(toHex(await again.c2PublicKey())).toBe(toHex(pub));
      expect(await s.db.all("SELECT name FROM secrets WHERE name LIKE 'c2.%'")).toEqual([{ name: 'c2.x25519' }]);
    });
  });
});

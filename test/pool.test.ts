/**
 * The ingestion pool: every batch its workers read answers what `unprotectPacked` answers on the
 * main thread (random mixes over several topics, with 1 and 2 workers, by each way a batch comes
 * in), a command applied on the main client is in force from the next batch on, batches settle
 * in submission order, and a closed or broken pool says so instead of hanging.
 */
import fc from 'fast-check';
import type { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as c2 from '../src/c2.ts';
import { batchErrorCode, createPackedResults, unprotectPacked, type PackedMessages, type PackedResults } from '../src/client/batch.ts';
import type { E4Client } from '../src/client/client.ts';
import { createPublicKeyClient } from '../src/client/publicKey.ts';
import { createSymmetricClient } from '../src/client/symmetric.ts';
import { E4ErrorCode, isE4Error } from '../src/errors.ts';
import { createIngestPool, type IngestPool } from '../src/pool/pool.ts';
import type { IngestResults } from '../src/pool/results.ts';
import type { BytesLike } from '../src/utils.ts';
import { useBackend } from './backends.ts';
import { fixedClock, randomBytes, transitionFleet } from './clients.ts';

const T0 = 1_700_000_000_000;
const CAPACITY = 256 * 1024;

type Item = [message: Uint8Array, topic: BytesLike];
/** A message's answer by value: its payload bytes, or its error code. */
type Answer = number[] | string;
type Way = 'plain' | 'shared' | 'writer';
const WAYS: Way[] = ['plain', 'shared', 'writer'];


/** `items` laid out back to back from byte `lead` of a view that does not start its buffer. */
function pack(items: readonly Item[], memory: 'plain' | 'shared', lead = 0): PackedMessages {
  const total = items.reduce((n, [m]) => n + m.length, 0);
  const length = 3 + lead + total + 5;
  const data = new Uint8Array(memory === 'shared' ? new SharedArrayBuffer(length) : new ArrayBuffer(length), 3, lead + total);
  const offsets = new Uint32Array(items.length + 1);
  const topicIndexes = new Uint32Array(items.length);
  const topics: BytesLike[] = [];
  offsets[0] = lead;
  items.forEach(([m, t], i) => {
    data.set(m, offsets[i]);
    offsets[i + 1] = offsets[i] + m.length;
    let k = topics.indexOf(t);
    if (k < 0) k = topics.push(t) - 1;
    topicIndexes[i] = k;
  });
  return { data, offsets, topicIndexes, topics, count: items.length };
}

function answersOf(results: PackedResults, out: Uint8Array, count: number): Answer[] {
  const answers: Answer[] = [];
  for (let i = 0; i < count; i++) {
    const s = results.status[i];
    answers.push(s === 0 ? Array.from(out.subarray(results.starts[i], results.ends[i])) : (batchErrorCode(s) as string));
  }
  return answers;
}

/** What `unprotectPacked` answers on this thread. */
function onMainThread(client: E4Client, items: readonly Item[]): Answer[] {
  const batch = pack(items, 'plain');
  const results = createPackedResults(batch.count);
  const out = new Uint8Array(batch.data.length);
  unprotectPacked(client, batch, out, results);
  return answersOf(results, out, batch.count);
}

/** Submits `items` to the pool the way `way` says; its answers, once released. */
async function inPool(pool: IngestPool, items: readonly Item[], way: Way): Promise<Answer[]> {
  const results = await submit(pool, items, way);
  const answers = answersOf(results, results.out, results.count);
  results.release();
  return answers;
}

function submit(pool: IngestPool, items: readonly Item[], way: Way): Promise<IngestResults> {
  if (way === 'writer') {
    const batch = pool.batch();
    for (const [m, t] of items) expect(batch.add(m, t)).toBe(true);
    return batch.submit();
  }
  return pool.unprotect(pack(items, way, 11));
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'no error';
  } catch (e) {
    return isE4Error(e) ? e.code : 'not an E4Error: ' + String(e);
  }
}

function syncCodeOf(f: () => unknown): string {
  try {
    f();
    return 'no error';
  } catch (e) {
    return isE4Error(e) ? e.code : 'not an E4Error: ' + String(e);
  }
}

/** The shared fleet (test/clients.ts) at this suite's start time. */
function symmetricFleet(topicCount: number) {
  return transitionFleet(topicCount, T0);
}
type Fleet = ReturnType<typeof symmetricFleet>;

/** One message of kind `kind` (0–12): good, tampered, truncated, stale, unknown topic, old key… */
function symmetricItem(f: Fleet, kind: number, pick: number, size: number): Item {
  const topic = f.topics[pick % f.topics.length];
  switch (kind) {
    case 3: {
      const m = f.client.protect(randomBytes(size), topic);
      m[pick % m.length] ^= 1 << pick % 8;
      return [m, topic];
    }
    case 4:
      return [f.client.protect(randomBytes(size), topic).subarray(0, pick % 25), topic];
    case 5:
      return [f.staleMessages[pick % f.staleMessages.length], f.topics[1]];
    case 6:
      return [f.client.protect(randomBytes(size), topic), 'not/a/known/topic/' + (pick % 3)];
    case 7:
      return [f.oldKeyMessages[pick % f.oldKeyMessages.length], f.topics[0]];
    case 8:
      return [f.futureMessage, f.topics[2]];
    case 9:
      return [f.client.protect(randomBytes(size), topic), f.topics[(pick + 1) % f.topics.length]];
    case 10:
      return [f.commandMessage, f.client.controlTopic];
    case 11:
      return [f.client.protect(randomBytes(size), topic), new TextEncoder().encode(topic)];
    default:
      return [f.client.protect(randomBytes(size), topic), topic];
  }
}

const itemSpecs = fc.array(fc.tuple(fc.integer({ min: 0, max: 12 }), fc.nat(1000), fc.integer({ min: 1, max: 1500 })), { maxLength: 80 });

describe.each([1, 2])('an ingestion pool of %i worker(s)', (workers) => {
  useBackend('wasm');
  let f: Fleet;
  let pool: IngestPool;
  beforeAll(async () => {
    f = symmetricFleet(5);
    pool = await createIngestPool(f.client, { workers, capacityBytes: CAPACITY });
  });
  afterAll(() => pool.close());

  it('answers what unprotectPacked answers on the main thread, by every way in', async () => {
    await fc.assert(
      fc.asyncProperty(itemSpecs, fc.constantFrom(...WAYS), async (specs, way) => {
        const items = specs.map(([kind, pick, size]) => symmetricItem(f, kind, pick, size));
        expect(await inPool(pool, items, way)).toEqual(onMainThread(f.client, items));
      }),
      { numRuns: 30 },
    );
  });

  it('reads a SharedArrayBuffer batch where it lies, and copies a plain one into its own memory', async () => {
    const items = [0, 1, 2].map((n) => symmetricItem(f, 0, n, 10 + n));
    const shared = pack(items, 'shared', 7);
    const results = await pool.unprotect(shared);
    expect(results.data.buffer).toBe(shared.data.buffer);
    expect(results.data.byteOffset).toBe(shared.data.byteOffset + 7);
    expect(Array.from(results.offsets)).toEqual(Array.from(shared.offsets, (o) => o - 7));
    expect(results.out.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(results.out.buffer).not.toBe(shared.data.buffer);
    // Each payload lies in `out` where its message lies in `data`, after the 24-byte header.
    for (let i = 0; i < 3; i++) expect([results.starts[i], results.ends[i]]).toEqual([results.offsets[i] + 24, results.offsets[i + 1]]);
    expect(results.payload(1)).toEqual(onePayload(f.client, items[1]));
    results.release();

    const plain = pack(items, 'plain');
    const copied = await pool.unprotect(plain);
    expect(copied.data.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(copied.data.buffer).toBe(copied.out.buffer);
    expect(answersOf(copied, copied.out, 3)).toEqual(onMainThread(f.client, items));
    copied.release();
  });

  it('takes messages written in place, and refuses what a batch cannot hold', async () => {
    const [message, topic] = symmetricItem(f, 0, 1, 100);
    const batch = pool.batch();
    const room = batch.reserve(message.length, topic)!;
    room.set(message);
    expect(batch.add(message, topic)).toBe(true);
    expect([batch.count, batch.bytes]).toEqual([2, 2 * message.length]);
    expect(syncCodeOf(() => batch.add(new Uint8Array(CAPACITY + 1), topic))).toBe(E4ErrorCode.InvalidArgument);
    expect(syncCodeOf(() => batch.add(message, 42 as unknown as string))).toBe(E4ErrorCode.InvalidArgument);
    expect(batch.reserve(CAPACITY - batch.bytes + 1, topic)).toBeNull();
    const results = await batch.submit();
    expect(results.read).toBe(2);
    expect(results.payload(0)).toEqual(results.payload(1));
    expect(syncCodeOf(() => batch.add(message, topic))).toBe(E4ErrorCode.InvalidArgument);
    expect(await codeOf(batch.submit())).toBe(E4ErrorCode.InvalidArgument);
    results.release();
    expect(syncCodeOf(() => results.payload(0))).toBe(E4ErrorCode.InvalidArgument);

    const full = pool.batch();
    while (full.add(new Uint8Array(1000), topic));
    expect(full.bytes).toBe(CAPACITY - (CAPACITY % 1000));
    full.release();
    expect(syncCodeOf(() => full.add(message, topic))).toBe(E4ErrorCode.InvalidArgument);
  });

  it('refuses a malformed batch with InvalidArgument, and goes on', async () => {
    const items = [0, 1, 2, 3].map((n) => symmetricItem(f, 0, n, 30));
    const good = pack(items, 'plain');
    const cases: PackedMessages[] = [
      { ...good, count: -1 },
      { ...good, data: 'bytes' as unknown as Uint8Array },
      { ...good, offsets: Uint32Array.from([0, 60, 30, 90, good.offsets[4]]) },
      { ...good, offsets: Uint32Array.from([0, 1, 2]) },
      { ...good, topicIndexes: Uint32Array.from([0, 0, 7, 0]) },
      { ...good, offsets: Uint32Array.from([0, 1, 2, 3, good.data.length + 1]) },
      { ...pack([[new Uint8Array(CAPACITY + 1), 't']], 'plain') },
      { ...good, count: CAPACITY },
    ];
    for (const batch of cases) expect(await codeOf(pool.unprotect(batch))).toBe(E4ErrorCode.InvalidArgument);
    const inOwnMemory = pool.batch();
    inOwnMemory.add(items[0][0], items[0][1]);
    const results = await inOwnMemory.submit();
    expect(await codeOf(pool.unprotect({ ...good, data: results.data }))).toBe(E4ErrorCode.InvalidArgument);
    results.release();
    expect(await inPool(pool, items, 'plain')).toEqual(onMainThread(f.client, items));
  });

  it('settles batches in submission order, each in input order, so each topic keeps its order', async () => {
    const sizes = [0, 1, 2, 5, 200, 1, 37, 0, 90, 3, 150, 1, 64, 2, 8, 120, 1, 1, 40, 77];
    const settled: number[] = [];
    const submitted = sizes.map((size, b) => {
      const items: Item[] = [];
      for (let i = 0; i < size; i++) items.push([f.client.protect(new Uint8Array([b, i, i >> 8]), f.topics[i % 3]), f.topics[i % 3]]);
      return submit(pool, items, WAYS[b % 3]).then((results) => {
        settled.push(b);
        return results;
      });
    });
    const all = await Promise.all(submitted);
    expect(settled).toEqual(sizes.map((_, b) => b));
    all.forEach((results, b) => {
      expect(results.count).toBe(sizes[b]);
      expect(results.read).toBe(sizes[b]);
      const perTopic: number[][] = [[], [], []];
      for (let i = 0; i < results.count; i++) {
        const payload = results.payload(i)!;
        expect(payload[0]).toBe(b);
        perTopic[i % 3].push(payload[1] | (payload[2] << 8));
      }
      perTopic.forEach((seen, t) => expect(seen).toEqual(Array.from({ length: sizes[b] }, (_, i) => i).filter((i) => i % 3 === t)));
      results.release();
    });
  });

  it('is in step with every command the main client applies, from the next batch on', async () => {
    const { clock } = f;
    const topic = 'fleet/new/telemetry';
    // Two senders on the new topic: one keeps its first key, the other follows the rotation.
    const senders = [0, 1].map(() => {
      const key = c2.generateSymmetricKey();
      const sender = createSymmetricClient({ id: c2.generateId(), key, clock: clock.read });
      return { sender, give: (k: Uint8Array) => sender.unprotect(c2.protectCommand(key, c2.cmdSetTopicKey(k, topic), clock.now), sender.controlTopic) };
    });
    const firstKey = c2.generateSymmetricKey();
    senders.forEach((s) => s.give(firstKey));
    const fromSender = (s: number, size: number): Item => [senders[s].sender.protect(randomBytes(size), topic), topic];
    const step = async (items: Item[]): Promise<string[]> => {
      const answers = await inPool(pool, items, 'plain');
      expect(answers).toEqual(onMainThread(f.client, items));
      return answers.map((a) => (typeof a === 'string' ? a : 'ok'));
    };

    const early = [fromSender(0, 20), fromSender(1, 30)];
    expect(await step(early)).toEqual([E4ErrorCode.TopicKeyNotFound, E4ErrorCode.TopicKeyNotFound]);
    f.command(c2.cmdSetTopicKey(firstKey, topic));
    expect(await step(early)).toEqual(['ok', 'ok']);

    clock.now += 60_000;
    const secondKey = c2.generateSymmetricKey();
    senders[1].give(secondKey);
    f.command(c2.cmdSetTopicKey(secondKey, topic));
    // The first key still opens messages for 60 minutes after the rotation.
    expect(await step([fromSender(0, 40), fromSender(1, 50), ...early])).toEqual(['ok', 'ok', 'ok', 'ok']);
    clock.now += 3_600_000 + 1000;
    expect(await step([fromSender(0, 40), fromSender(1, 50)])).toEqual([E4ErrorCode.NotAuthentic, 'ok']);

    f.command(c2.cmdRemoveTopic(topic));
    expect(await step([fromSender(1, 10), [f.client.protect(randomBytes(9), f.topics[1]), f.topics[1]]])).toEqual([E4ErrorCode.TopicKeyNotFound, 'ok']);
    f.command(c2.cmdResetTopics());
    expect(await step([[senders[1].sender.protect(randomBytes(9), topic), f.topics[1]]])).toEqual([E4ErrorCode.TopicKeyNotFound]);
  });

  it('answers a destroyed client with InvalidArgument', async () => {
    const g = symmetricFleet(3);
    const own = await createIngestPool(g.client, { workers, capacityBytes: 4096 });
    g.client.destroy();
    expect(await codeOf(own.unprotect(pack([], 'plain')))).toBe(E4ErrorCode.InvalidArgument);
    await own.close();
  });
});

/** The payload `unprotect` gives one message alone. */
function onePayload(client: E4Client, [message, topic]: Item): Uint8Array {
  const result = client.unprotect(message, topic);
  if (result.kind !== 'message') throw new Error('not a message');
  return result.payload;
}

describe.each(['js', 'native'] as const)('an ingestion pool on the %s backend', (backend) => {
  useBackend('wasm');

  it('answers what unprotectPacked answers on the main thread', async () => {
    const f = symmetricFleet(4);
    const pool = await createIngestPool(f.client, { workers: 1, backend });
    const items = Array.from({ length: 120 }, (_, i) => symmetricItem(f, i % 13, i * 7, 1 + ((i * 97) % 1200)));
    expect(await inPool(pool, items, 'shared')).toEqual(onMainThread(f.client, items));
    await pool.close();
  });
});

describe.each(['wasm', 'native'] as const)('a public-key ingestion pool on %s', (backend) => {
  useBackend('wasm');
  const clock = fixedClock(T0);
  const c2Keys = c2.generateX25519KeyPair();
  const member = () => {
    const id = c2.generateId();
    const keys = c2.generateEd25519KeyPair();
    const client = createPublicKeyClient({ id, privateKey: keys.privateKey, c2PublicKey: c2Keys.publicKey, clock: clock.read });
    const shared = c2.sharedKeyForClient(c2Keys.privateKey, keys.publicKey);
    const command = (cmd: Uint8Array) => client.unprotect(c2.protectCommand(shared, cmd, clock.now), client.controlTopic);
    return { id, keys, client, command };
  };
  type Member = ReturnType<typeof member>;
  let server: Member, peer: Member, stranger: Member;
  const topicKey = c2.generateSymmetricKey();
  let pool: IngestPool;
  beforeAll(async () => {
    [server, peer, stranger] = [member(), member(), member()];
    for (const m of [server, peer, stranger]) m.command(c2.cmdSetTopicKey(topicKey, 'signed'));
    server.command(c2.cmdSetPubKey(peer.keys.publicKey, { id: peer.id }));
    pool = await createIngestPool(server.client, { workers: 2, backend });
  });
  afterAll(() => pool.close());

  function items(): Item[] {
    const good = peer.client.protect(randomBytes(40), 'signed');
    const badSignature = good.slice();
    badSignature[badSignature.length - 3] ^= 4;
    clock.now -= 601_000;
    const stale = peer.client.protect(randomBytes(8), 'signed');
    clock.now += 601_000;
    return [
      [good, 'signed'],
      [badSignature, 'signed'],
      [good.subarray(0, 100), 'signed'],
      [stranger.client.protect(randomBytes(16), 'signed'), 'signed'],
      [stale, 'signed'],
      [good, 'other'],
      [c2.protectCommand(topicKey, c2.cmdResetTopics(), clock.now), server.client.controlTopic],
      [peer.client.protect(randomBytes(300), 'signed'), new TextEncoder().encode('signed')],
    ];
  }

  it('answers what unprotectPacked answers on the main thread, signatures checked in the workers', async () => {
    const batch = items();
    const answers = await inPool(pool, batch, 'writer');
    expect(answers).toEqual(onMainThread(server.client, batch));
    expect(answers.map((a) => (typeof a === 'string' ? a : 'ok'))).toEqual([
      'ok',
      E4ErrorCode.InvalidSignature,
      E4ErrorCode.MessageTooShort,
      E4ErrorCode.SignerPublicKeyNotFound,
      E4ErrorCode.TimestampTooOld,
      E4ErrorCode.TopicKeyNotFound,
      E4ErrorCode.UnsupportedOperation,
      'ok',
    ]);
  });

  it('follows a command that removes a signer', async () => {
    server.command(c2.cmdRemovePubKey({ id: peer.id }));
    const batch = items();
    const answers = await inPool(pool, batch, 'shared');
    expect(answers).toEqual(onMainThread(server.client, batch));
    expect(answers[0]).toBe(E4ErrorCode.SignerPublicKeyNotFound);
  });
});

describe("the workers' AES core", () => {
  useBackend('wasm');

  it.each([
    [{}, 'table'],
    [{ aes: 'ct' }, 'ct'],
    [{ aes: 'table' }, 'table'],
    [{ backend: 'native', aes: 'ct' }, 'ct'],
    [{ backend: 'js' }, null],
  ] as const)('with %o runs %s, and reads as the main thread does', async (options, core) => {
    const f = symmetricFleet(4);
    const pool = await createIngestPool(f.client, { workers: 1, ...options });
    expect(pool.aes).toBe(core);
    const items = Array.from({ length: 60 }, (_, i) => symmetricItem(f, i % 13, i * 11, 1 + ((i * 89) % 700)));
    expect(await inPool(pool, items, 'shared')).toEqual(onMainThread(f.client, items));
    await pool.close();
  });
});

describe('a pool that stops', () => {
  useBackend('wasm');

  it('refuses bad options and clients with InvalidArgument, before starting anything', async () => {
    const { client } = symmetricFleet(3);
    const bad: unknown[] = [{ workers: 0 }, { workers: 1.5 }, { backend: 'gpu' }, { capacityBytes: 0 }, { capacityMessages: -1 }, { thresholds: { sivOpenNativeFromBytes: 1 } }, { aes: 'fast' }, { aes: 1 }, { backend: 'js', aes: 'ct' }, { backend: 'js', aes: 'table' }];
    for (const options of bad) expect(await codeOf(createIngestPool(client, options as never))).toBe(E4ErrorCode.InvalidArgument);
    expect(await codeOf(createIngestPool({} as E4Client))).toBe(E4ErrorCode.InvalidArgument);
  });

  it('after close(), lets what was submitted settle, then refuses everything with PoolClosed', async () => {
    const f = symmetricFleet(3);
    const pool = await createIngestPool(f.client, { workers: 1 });
    const items = [0, 1, 2].map((n) => symmetricItem(f, 0, n, 64));
    const pending = pool.unprotect(pack(items, 'plain'));
    const closed = pool.close();
    expect(await codeOf(pool.unprotect(pack(items, 'plain')))).toBe(E4ErrorCode.PoolClosed);
    expect(syncCodeOf(() => pool.batch())).toBe(E4ErrorCode.PoolClosed);
    const results = await pending;
    await closed;
    expect(answersOf(results, results.out, 3)).toEqual(onMainThread(f.client, items));
    results.release();
    await pool.close();
  });

  it('rejects the pending batch with PoolClosed when a worker dies, and stays unusable', async () => {
    const f = symmetricFleet(3);
    const pool = await createIngestPool(f.client, { workers: 2, backend: 'js' });
    const message = f.client.protect(new Uint8Array(1), f.topics[0]);
    const big = pack(new Array<Item>(40_000).fill([message, f.topics[0]]), 'shared');
    const pending = pool.unprotect(big);
    void (pool as unknown as { workerThreads(): readonly Worker[] }).workerThreads()[1].terminate();
    expect(await codeOf(pending)).toBe(E4ErrorCode.PoolClosed);
    expect(await codeOf(pool.unprotect(pack([[message, f.topics[0]]], 'plain')))).toBe(E4ErrorCode.PoolClosed);
    expect(syncCodeOf(() => pool.batch())).toBe(E4ErrorCode.PoolClosed);
    await pool.close();
  });
});

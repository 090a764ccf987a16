/**
 * Batch unprotect: `unprotectBatch` gives each message what `unprotect` gives it alone
 * (random mixes of valid, tampered, truncated, stale, unknown-topic and old-key messages, every
 * symmetric Go vector), and `Backend.sivOpenPacked` equals `sivOpen` item by item, across the
 * crossings a large batch or many keys split it into.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as c2 from '../src/c2.ts';
import {
  batchErrorCode,
  createPackedResults,
  protectedBytes,
  protectPacked,
  unprotectBatch,
  unprotectPacked,
  type BatchResult,
  type PackedMessages,
} from '../src/client/batch.ts';
import type { E4Client } from '../src/client/client.ts';
import { createPublicKeyClient } from '../src/client/publicKey.ts';
import { E4ErrorCode, isE4Error } from '../src/errors.ts';
import { aesSivSeal } from '../src/primitives.ts';
import { openSymmetricPacked } from '../src/protocol/messages.ts';
import { sivOpenEachPacked, type PackedSivBatch } from '../src/backends/backend.ts';
import { openedByValue, packSiv } from './packed.ts';
import { BACKENDS, useBackend } from './backends.ts';
import { fixedClock, randomBytes, symClient, topicTable, transitionFleet } from './clients.ts';
import { hex, readVectors } from './vectors.ts';

const T0 = 1_700_000_000_000;
const go = readVectors<Record<string, any[]>>('e4go-vectors.json');

/** What `unprotect` gives one message alone, as a batch result. */
function single(client: E4Client, message: Uint8Array, topic: string | Uint8Array): BatchResult {
  try {
    const result = client.unprotect(message, topic);
    if (result.kind !== 'message') throw new Error('a command in a message suite');
    return { ok: true, payload: result.payload };
  } catch (e) {
    if (!isE4Error(e)) throw e;
    return { ok: false, code: e.code };
  }
}

/** Results compared by value: payload bytes, or code. */
function plain(results: BatchResult[]): unknown[] {
  return results.map((r) => (r.ok ? { ok: true, payload: Array.from(r.payload) } : r));
}


describe.each(BACKENDS)('batch unprotect on %s', (backend) => {
  const handle = useBackend(backend);

  /** The shared fleet (test/clients.ts), with its future message as a list. */
  function fleet(topicCount: number) {
    const f = transitionFleet(Math.max(3, topicCount), T0);
    return { ...f, topics: f.topics.slice(0, topicCount), futureMessages: [f.futureMessage] };
  }

  /** One message of kind `kind` (0–9) on one of the fleet's topics; `pick` chooses among equals. */
  function makeMessage(f: ReturnType<typeof fleet>, kind: number, pick: number, size: number): [Uint8Array, string] {
    const topic = f.topics[pick % f.topics.length];
    switch (kind) {
      case 0:
      case 1:
      case 2:
        return [f.client.protect(randomBytes(size), topic), topic];
      case 3: {
        const m = f.client.protect(randomBytes(size), topic);
        m[pick % m.length] ^= 1 << (pick % 8);
        return [m, topic];
      }
      case 4: {
        const m = f.client.protect(randomBytes(size), topic);
        return [m.subarray(0, pick % 25), topic];
      }
      case 5:
        return [f.staleMessages[pick % f.staleMessages.length], f.topics[1 % f.topics.length]];
      case 6:
        return [f.client.protect(randomBytes(size), topic), 'not/a/known/topic/' + (pick % 3)];
      case 7:
        return [f.oldKeyMessages[pick % f.oldKeyMessages.length], f.topics[0]];
      case 8:
        return [f.futureMessages[0], f.topics[0]];
      default: {
        // A message for topic A read as topic B: authentication fails under B's key.
        const m = f.client.protect(randomBytes(size), topic);
        return [m, f.topics[(pick + 1) % f.topics.length]];
      }
    }
  }

  it('equals unprotect message by message on random mixes, with and without `out`', () => {
    const f = fleet(5);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 9 }), fc.nat(1000), fc.integer({ min: 1, max: 1500 })), { maxLength: 60 }),
        fc.boolean(),
        (specs, useOut) => {
          const messages: Uint8Array[] = [];
          const topics: string[] = [];
          for (const [kind, pick, size] of specs) {
            const [m, t] = makeMessage(f, kind, pick, size);
            messages.push(m);
            topics.push(t);
          }
          let out: Uint8Array | undefined;
          if (useOut) out = new Uint8Array(messages.reduce((n, m) => n + m.length, 0));
          const batch = unprotectBatch(f.client, messages, topics, out);
          const singles = messages.map((m, i) => single(f.client, m, topics[i]));
          expect(plain(batch)).toEqual(plain(singles));
          if (out !== undefined) for (const r of batch) if (r.ok) expect(r.payload.buffer).toBe(out.buffer);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('keeps each message apart: a bad message fails alone, old keys work while the transition allows', () => {
    const f = fleet(2);
    const good = f.client.protect(new Uint8Array([1, 2, 3]), f.topics[1]);
    const tampered = good.slice();
    tampered[tampered.length - 1] ^= 0x80;
    const messages = [good, tampered, f.oldKeyMessages[0], good.subarray(0, 24), f.staleMessages[0], good];
    const topics = [f.topics[1], f.topics[1], f.topics[0], f.topics[1], f.topics[1], 'unknown'];
    const codes = unprotectBatch(f.client, messages, topics).map((r) => (r.ok ? Array.from(r.payload).length : r.code));
    expect(codes).toEqual([
      3,
      E4ErrorCode.NotAuthentic,
      1,
      E4ErrorCode.MessageTooShort,
      E4ErrorCode.TimestampTooOld,
      E4ErrorCode.TopicKeyNotFound,
    ]);
    // An hour later the same message is too old: the timestamp is checked before any key.
    f.clock.now += 3_600_001;
    const late = unprotectBatch(f.client, [f.oldKeyMessages[0]], f.topics[0]);
    expect(late).toEqual([single(f.client, f.oldKeyMessages[0], f.topics[0])]);
    expect(late[0]).toEqual({ ok: false, code: E4ErrorCode.TimestampTooOld });
  });

  it('reports invalid topic keys, bad message values and bytes topics as unprotect does', () => {
    const clock = fixedClock(T0);
    const goodKey = c2.generateSymmetricKey();
    const client = symClient({
      topicKeys: topicTable([
        ['good', goodKey],
        ['zero', new Uint8Array(32)],
        ['short', new Uint8Array(16).fill(3)],
      ]),
      nowMs: clock.read,
    });
    const message = new Uint8Array(8 + 16 + 1);
    new DataView(message.buffer).setUint32(0, T0 / 1000, true);
    message.set(aesSivSeal(new Uint8Array([...goodKey, ...goodKey]), [message.subarray(0, 8)], new Uint8Array([7])), 8);
    const topics: (string | Uint8Array)[] = ['good', new TextEncoder().encode('good'), 'zero', 'short', 'zero', 'good'];
    const messages: Uint8Array[] = [message, message, message, message, message, 'not bytes' as unknown as Uint8Array];
    const batch = unprotectBatch(client, messages, topics);
    expect(plain(batch)).toEqual(
      plain(
        messages.map((m, i) => {
          try {
            return single(client, m, topics[i]);
          } catch (e) {
            return { ok: false, code: isE4Error(e) ? e.code : 'thrown' } as BatchResult;
          }
        }),
      ),
    );
    expect(batch.map((r) => (r.ok ? 'ok' : r.code))).toEqual([
      'ok',
      'ok',
      E4ErrorCode.ZeroKey,
      E4ErrorCode.InvalidKeyLength,
      E4ErrorCode.ZeroKey,
      E4ErrorCode.InvalidArgument,
    ]);
  });

  it('refuses control-topic messages in a batch and leaves the state as it was', () => {
    const f = fleet(1);
    const before = f.client.exportState();
    const command = c2.protectCommand(f.clientKey, c2.cmdSetTopicKey(c2.generateSymmetricKey(), 'new/topic'), f.clock.now);
    const good = f.client.protect(new Uint8Array([9]), f.topics[0]);
    const batch = unprotectBatch(f.client, [command, good], [f.client.controlTopic, f.topics[0]]);
    expect(batch[0]).toEqual({ ok: false, code: E4ErrorCode.UnsupportedOperation });
    expect(batch[1]).toEqual({ ok: true, payload: new Uint8Array([9]) });
    expect(f.client.exportState()).toBe(before);
  });

  it('takes an empty batch, one topic for all, and refuses mismatched arguments', () => {
    const f = fleet(1);
    expect(unprotectBatch(f.client, [], f.topics[0])).toEqual([]);
    expect(unprotectBatch(f.client, [], [])).toEqual([]);
    const m = f.client.protect(new Uint8Array([1, 2]), f.topics[0]);
    expect(unprotectBatch(f.client, [m, m], f.topics[0])).toEqual([
      { ok: true, payload: new Uint8Array([1, 2]) },
      { ok: true, payload: new Uint8Array([1, 2]) },
    ]);
    const code = (g: () => unknown) => {
      try {
        g();
        return 'ok';
      } catch (e) {
        return isE4Error(e) ? e.code : 'thrown';
      }
    };
    expect(code(() => unprotectBatch(f.client, [m, m], [f.topics[0]]))).toBe(E4ErrorCode.InvalidArgument);
    expect(code(() => unprotectBatch(f.client, [m], f.topics[0], new Uint8Array(1)))).toBe(E4ErrorCode.InvalidArgument);
  });

  it('reads a batch of 10,000 messages over several topics as unprotect does', () => {
    const f = fleet(7);
    const messages: Uint8Array[] = [];
    const topics: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      const [m, t] = makeMessage(f, i % 23 === 0 ? 3 : i % 29 === 0 ? 7 : 0, i, 1 + ((i * 37) % 700));
      messages.push(m);
      topics.push(t);
    }
    const batch = unprotectBatch(f.client, messages, topics);
    expect(batch.length).toBe(10_000);
    for (let i = 0; i < messages.length; i += 1) {
      const alone = single(f.client, messages[i], topics[i]);
      if (!alone.ok || !batch[i].ok) expect(batch[i]).toEqual(alone);
      else expect((batch[i] as { payload: Uint8Array }).payload).toEqual(alone.payload);
    }
  });

  it('reads every symMessages vector of the Go client, in one batch per consistent topic table', () => {
    const vectors = go.symMessages;
    const groups: any[][] = [];
    for (const v of vectors) {
      let group = groups.find((g) => g.every((w) => w.topic !== v.topic || w.topicKey === v.topicKey));
      if (group === undefined) groups.push((group = []));
      group.push(v);
    }
    const clock = fixedClock(Math.max(...vectors.map((v) => v.timestamp)) * 1000);
    const window = { maxAgeMs: 1e12, futureSkewMs: 1e12 };
    let read = 0;
    for (const group of groups) {
      const client = symClient({ topicKeys: topicTable(group.map((v) => [v.topic, v.topicKey])), nowMs: clock.read, window });
      const batch = unprotectBatch(
        client,
        group.map((v) => hex(v.protected)),
        group.map((v) => v.topic),
      );
      expect(plain(batch)).toEqual(plain(group.map((v) => ({ ok: true, payload: hex(v.plaintext) }))));
      read += group.length;
    }
    expect(read).toBe(vectors.length);
  });

  it('opens every symMessages vector in one backend crossing, each topic key passed once', () => {
    const vectors = go.symMessages;
    const keys: Uint8Array[] = [];
    const keyNames: string[] = [];
    const indexes = vectors.map((v) => {
      let k = keyNames.indexOf(v.topicKey);
      if (k < 0) {
        k = keyNames.push(v.topicKey) - 1;
        keys.push(hex(v.topicKey));
      }
      return k;
    });
    const batch = packSiv(keys, indexes, vectors.map((v) => hex(v.protected)));
    const opened = openedByValue(
      (b, out, status) => openSymmetricPacked(keys, b.keyIndexes, b.data, b.offsets, b.count, out, status),
      batch,
    );
    expect(opened).toEqual(vectors.map((v) => Array.from(hex(v.plaintext))));
  });

  it('sivOpenPacked equals sivOpen item by item across many keys, skipped items and several crossings', () => {
    const b = handle.current;
    const open = (batch: PackedSivBatch, out: Uint8Array, status: Uint8Array) =>
      b.sivOpenPacked !== undefined ? b.sivOpenPacked(batch, out, status) : sivOpenEachPacked(b, batch, out, status);
    // 300 distinct keys (more than one crossing's key table and the key cache), > 4 MiB of messages.
    const keys = Array.from({ length: 300 }, () => {
      const k = randomBytes(32);
      return new Uint8Array([...k, ...k]);
    });
    const messages: Uint8Array[] = [];
    const indexes: number[] = [];
    for (let i = 0; i < 1200; i++) {
      const k = (i * 7919) % keys.length;
      const ts = randomBytes(8);
      const size = i % 97 === 0 ? 20_000 : (i * 131) % 5000;
      const sealed = b.sivSeal(keys[k], [ts], randomBytes(size));
      const m = new Uint8Array(8 + sealed.length);
      m.set(ts);
      m.set(sealed, 8);
      if (i % 13 === 0) m[8 + (i % sealed.length)] ^= 4;
      messages.push(m);
      // Every 11th item is skipped: it keeps the status it had and is not opened.
      indexes.push(i % 11 === 5 ? -1 : k);
    }
    const expected = messages.map((m, i) => {
      if (indexes[i] < 0) return 'skipped';
      try {
        return Array.from(b.sivOpen(keys[indexes[i]], [m.subarray(0, 8)], m.subarray(8)));
      } catch (e) {
        return isE4Error(e) ? e.code : 'thrown';
      }
    });
    const batch = packSiv(keys, indexes, messages);
    const opened = openedByValue(open, batch).map((r, i) => (indexes[i] < 0 ? (r === E4ErrorCode.Internal ? 'skipped' : r) : r));
    expect(opened).toEqual(expected);
    // A small batch, opened from a view into a larger buffer.
    const small = packSiv(keys, indexes.slice(0, 40), messages.slice(0, 40));
    const shifted = new Uint8Array(small.data.length + 5);
    shifted.set(small.data, 5);
    expect(openedByValue(open, { ...small, data: shifted.subarray(5) })).toEqual(openedByValue(open, small));
  });

  /** `messages` on `topics` (indexes into `topicList`) laid out in `data`, a view of a SharedArrayBuffer. */
  function packMessages(messages: Uint8Array[], topicIdx: number[], topicList: (string | Uint8Array)[]): PackedMessages {
    const offsets = new Uint32Array(messages.length + 1);
    messages.forEach((m, i) => (offsets[i + 1] = offsets[i] + m.length));
    const data = new Uint8Array(new SharedArrayBuffer(offsets[messages.length] + 16), 16, offsets[messages.length]);
    messages.forEach((m, i) => data.set(m, offsets[i]));
    return { data, offsets, topicIndexes: Uint32Array.from(topicIdx), topics: topicList, count: messages.length };
  }

  it('unprotectPacked answers in typed arrays what unprotectBatch answers in objects, reusing its arrays', () => {
    const f = fleet(4);
    const results = createPackedResults(200);
    for (let round = 0; round < 3; round++) {
      const messages: Uint8Array[] = [];
      const topicIdx: number[] = [];
      for (let i = 0; i < 150 + round * 20; i++) {
        const [m, t] = makeMessage(f, (i * 7 + round) % 10, i + round, 1 + ((i * 53) % 300));
        messages.push(m);
        const known = f.topics.indexOf(t);
        topicIdx.push(known >= 0 ? known : f.topics.length);
      }
      const topicList = [...f.topics, 'not/a/known/topic/0'];
      const batch = packMessages(messages, topicIdx, topicList);
      const out = new Uint8Array(new SharedArrayBuffer(batch.offsets[batch.count]));
      const read = unprotectPacked(f.client, batch, out, results);
      const expected = messages.map((m, i) => single(f.client, m, topicList[topicIdx[i]]));
      const got = expected.map((_, i): BatchResult => {
        const code = batchErrorCode(results.status[i]);
        if (code !== null) {
          expect(results.starts[i]).toBe(results.ends[i]);
          return { ok: false, code };
        }
        expect(results.starts[i]).toBe(batch.offsets[i] + 24);
        return { ok: true, payload: out.slice(results.starts[i], results.ends[i]) };
      });
      expect(plain(got)).toEqual(plain(expected));
      expect(read).toBe(expected.filter((r) => r.ok).length);
    }
  });

  it('protectPacked protects each payload as protect does, and unprotectPacked reads them back', () => {
    const f = fleet(3);
    const payloads = [new Uint8Array([1]), new Uint8Array(0), randomBytes(300), new Uint8Array([4, 5]), randomBytes(17)];
    const topicIdx = [0, 1, 2, 3, 1];
    const topicList = [...f.topics, 'no/key/here'];
    const batch = packMessages(payloads, topicIdx, topicList);
    const out = new Uint8Array(protectedBytes(f.client, batch));
    expect(out.length).toBe(batch.offsets[batch.count] + 24 * payloads.length);
    const results = createPackedResults(payloads.length);
    expect(protectPacked(f.client, batch, out, results)).toBe(3);
    expect(Array.from(results.status, (s) => batchErrorCode(s))).toEqual([
      null,
      E4ErrorCode.EmptyPayload,
      null,
      E4ErrorCode.TopicKeyNotFound,
      null,
    ]);
    const ok = [0, 2, 4];
    for (const i of ok) {
      expect(results.starts[i]).toBe(batch.offsets[i] + 24 * i);
      const message = out.slice(results.starts[i], results.ends[i]);
      expect(f.client.unprotect(message, topicList[topicIdx[i]])).toEqual({ kind: 'message', payload: payloads[i] });
    }
    // Read back in one batch.
    const sealed = packMessages(ok.map((i) => out.slice(results.starts[i], results.ends[i])), ok.map((i) => topicIdx[i]), topicList);
    const back = createPackedResults(3);
    const opened = new Uint8Array(sealed.data.length);
    expect(unprotectPacked(f.client, sealed, opened, back)).toBe(3);
    ok.forEach((i, j) => expect(opened.slice(back.starts[j], back.ends[j])).toEqual(payloads[i]));
    // `out` one byte short is refused before anything is protected.
    expect(() => protectPacked(f.client, batch, out.subarray(1), results)).toThrow(expect.objectContaining({ code: E4ErrorCode.InvalidArgument }));
  });

  it('refuses a malformed packed batch before reading anything', () => {
    const f = fleet(1);
    const m = f.client.protect(new Uint8Array([1, 2, 3]), f.topics[0]);
    const good = () => packMessages([m, m], [0, 0], [f.topics[0]]);
    const out = new Uint8Array(2 * m.length);
    const results = createPackedResults(2);
    const code = (batch: PackedMessages, o: Uint8Array = out, r = results) => {
      try {
        unprotectPacked(f.client, batch, o, r);
        return 'ok';
      } catch (e) {
        return isE4Error(e) ? e.code : 'thrown';
      }
    };
    expect(code(good())).toBe('ok');
    const decreasing = good();
    decreasing.offsets[1] = decreasing.offsets[2] + 1;
    const pastData = good();
    pastData.offsets[2] += 1;
    const topicOut = good();
    topicOut.topicIndexes[1] = 1;
    const tooFewOffsets = { ...good(), offsets: new Uint32Array(2) };
    const tooFewTopics = { ...good(), topicIndexes: new Uint32Array(1) };
    const badCount = { ...good(), count: -1 };
    const wrongTypes = { ...good(), offsets: [0, m.length, 2 * m.length] as unknown as Uint32Array };
    for (const bad of [decreasing, pastData, topicOut, tooFewOffsets, tooFewTopics, badCount, wrongTypes]) {
      expect(code(bad)).toBe(E4ErrorCode.InvalidArgument);
    }
    expect(code(good(), out.subarray(1))).toBe(E4ErrorCode.InvalidArgument);
    expect(code(good(), out, createPackedResults(1))).toBe(E4ErrorCode.InvalidArgument);
    const inPlace = good();
    expect(code(inPlace, inPlace.data)).toBe(E4ErrorCode.InvalidArgument);
    const overlapping = good();
    expect(code(overlapping, new Uint8Array(overlapping.data.buffer, overlapping.data.byteOffset - 8, out.length))).toBe(
      E4ErrorCode.InvalidArgument,
    );
    // Beside `data` in the same buffer is fine.
    const beside = good();
    const room = new Uint8Array(beside.data.buffer as SharedArrayBuffer).subarray(0, 16);
    expect(code({ ...beside, count: 0, offsets: new Uint32Array(1) }, room)).toBe('ok');
  });

  it('public-key mode reads a batch one unprotect at a time, with the same results', () => {
    const clock = fixedClock(T0);
    const c2Keys = c2.generateX25519KeyPair();
    const keys = c2.generateEd25519KeyPair();
    const id = c2.generateId();
    const client = createPublicKeyClient({ id, privateKey: keys.privateKey, c2PublicKey: c2Keys.publicKey, clock: clock.read });
    const shared = c2.sharedKeyForClient(c2Keys.privateKey, keys.publicKey);
    client.unprotect(c2.protectCommand(shared, c2.cmdSetPubKey(keys.publicKey, { id }), clock.now), client.controlTopic);
    client.unprotect(c2.protectCommand(shared, c2.cmdSetTopicKey(c2.generateSymmetricKey(), 't'), clock.now), client.controlTopic);
    const good = client.protect(new Uint8Array([4, 5]), 't');
    const bad = good.slice();
    bad[40] ^= 1;
    const messages = [good, bad, good.subarray(0, 50), good];
    const topics = ['t', 't', 't', client.controlTopic];
    const batch = unprotectBatch(client, messages, topics);
    expect(plain(batch.slice(0, 3))).toEqual(plain(messages.slice(0, 3).map((m, i) => single(client, m, topics[i]))));
    expect(batch[0]).toEqual({ ok: true, payload: new Uint8Array([4, 5]) });
    expect(batch[3]).toEqual({ ok: false, code: E4ErrorCode.UnsupportedOperation });
  });
});

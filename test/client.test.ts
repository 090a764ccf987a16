/**
 * The client's behaviour beyond the vectors: round trips and tampering (property tests), key
 * transition over 60 minutes of injected clock, state safety of failed commands, clock windows.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as c2 from '../src/c2.ts';
import { TOPIC_CACHE_LIMIT, type E4Client } from '../src/client/client.ts';
import { loadClient } from '../src/client/load.ts';
import { createPublicKeyClient } from '../src/client/publicKey.ts';
import { createSymmetricClient } from '../src/client/symmetric.ts';
import { activeBackend } from '../src/backends/active.ts';
import { E4ErrorCode, isE4Error } from '../src/errors.ts';
import { C_CLIENT_WINDOW } from '../src/protocol/clock.ts';
import { createMemoryStore } from '../src/stores/memory.ts';
import type { KeyStore } from '../src/stores/store.ts';
import { BACKENDS, useBackend } from './backends.ts';
import { fixedClock, symClient, topicTable } from './clients.ts';

const T0 = 1_700_000_000_000;

function codeOf(f: () => unknown): string {
  try {
    f();
    return 'ok';
  } catch (e) {
    if (!isE4Error(e)) throw e;
    return e.code;
  }
}

describe.each(BACKENDS)('the client on %s', (backend) => {
  useBackend(backend);

  /** A symmetric client and a public-key pair of clients (sender knows its own key, receiver knows the sender's). */
  function fleet(nowMs: () => number, store?: KeyStore) {
    const sym = { id: c2.generateId(), key: c2.generateSymmetricKey() };
    const symClient = createSymmetricClient({ ...sym, store, clock: nowMs });
    const c2Keys = c2.generateX25519KeyPair();
    const senderKeys = c2.generateEd25519KeyPair();
    const receiverKeys = c2.generateEd25519KeyPair();
    const senderId = c2.generateId();
    const sender = createPublicKeyClient({ id: senderId, privateKey: senderKeys.privateKey, c2PublicKey: c2Keys.publicKey, clock: nowMs });
    const receiver = createPublicKeyClient({ id: c2.generateId(), privateKey: receiverKeys.privateKey, c2PublicKey: c2Keys.publicKey, clock: nowMs });
    const command = (client: E4Client, edPublic: Uint8Array | null, cmd: Uint8Array) =>
      client.unprotect(
        c2.protectCommand(edPublic === null ? sym.key : c2.sharedKeyForClient(c2Keys.privateKey, edPublic), cmd, nowMs()),
        client.controlTopic,
      );
    const toSym = (cmd: Uint8Array) => command(symClient, null, cmd);
    const toSender = (cmd: Uint8Array) => command(sender, senderKeys.publicKey, cmd);
    const toReceiver = (cmd: Uint8Array) => command(receiver, receiverKeys.publicKey, cmd);
    toReceiver(c2.cmdSetPubKey(senderKeys.publicKey, { id: senderId }));
    return { sym, symClient, sender, receiver, toSym, toSender, toReceiver };
  }

  /** Topics of 1 to 512 bytes of UTF-8 (Go's validator's limit), never a control topic. */
  const topicArb = fc
    .string({ unit: 'grapheme', minLength: 1, maxLength: 512 })
    .filter((t) => !t.startsWith('e4/') && Buffer.byteLength(t) <= 512);

  describe('round trips and tampering', () => {
    it('symmetric: protect → unprotect for random payloads and topics', () => {
      const clock = fixedClock(T0);
      const f = fleet(clock.read);
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 1, maxLength: 65536 }), topicArb, (payload, topic) => {
          f.toSym(c2.cmdSetTopicKey(c2.generateSymmetricKey(), topic));
          expect(f.symClient.unprotect(f.symClient.protect(payload, topic), topic)).toEqual({ kind: 'message', payload });
        }),
        { numRuns: 60 },
      );
    });

    it('public key: protect → unprotect for random payloads (empty included) and topics', () => {
      const clock = fixedClock(T0);
      const f = fleet(clock.read);
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 65536 }), topicArb, (payload, topic) => {
          const key = c2.generateSymmetricKey();
          f.toSender(c2.cmdSetTopicKey(key, topic));
          f.toReceiver(c2.cmdSetTopicKey(key, topic));
          expect(f.receiver.unprotect(f.sender.protect(payload, topic), topic)).toEqual({ kind: 'message', payload });
        }),
        { numRuns: 40 },
      );
    });

    it('any flipped bit is refused with a typed error and changes nothing', () => {
      const clock = fixedClock(T0);
      const f = fleet(clock.read);
      const topic = 'tamper/test';
      const key = c2.generateSymmetricKey();
      f.toSym(c2.cmdSetTopicKey(key, topic));
      f.toSender(c2.cmdSetTopicKey(key, topic));
      f.toReceiver(c2.cmdSetTopicKey(key, topic));
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.nat(), fc.boolean(), (payload, where, pk) => {
          const [from, to] = pk ? [f.sender, f.receiver] : [f.symClient, f.symClient];
          const message = from.protect(payload, topic);
          const bit = where % (message.length * 8);
          message[bit >> 3] ^= 1 << (bit & 7);
          const before = to.exportState();
          expect(codeOf(() => to.unprotect(message, topic))).not.toBe('ok');
          expect(to.exportState()).toBe(before);
        }),
        { numRuns: 300 },
      );
    });

    it('truncations below the minimum are length errors', () => {
      const clock = fixedClock(T0);
      const f = fleet(clock.read);
      const topic = 'truncate/test';
      const key = c2.generateSymmetricKey();
      f.toSym(c2.cmdSetTopicKey(key, topic));
      f.toSender(c2.cmdSetTopicKey(key, topic));
      f.toReceiver(c2.cmdSetTopicKey(key, topic));
      const sym = f.symClient.protect(new Uint8Array(10).fill(1), topic);
      for (let n = 0; n <= 24; n++) expect(codeOf(() => f.symClient.unprotect(sym.subarray(0, n), topic))).toBe(E4ErrorCode.MessageTooShort);
      const pk = f.sender.protect(new Uint8Array(10).fill(1), topic);
      for (let n = 0; n < 104; n++) expect(codeOf(() => f.receiver.unprotect(pk.subarray(0, n), topic))).toBe(E4ErrorCode.MessageTooShort);
    });

    it('refuses an empty symmetric payload; a topic without a key comes first', () => {
      const clock = fixedClock(T0);
      const f = fleet(clock.read);
      f.toSym(c2.cmdSetTopicKey(c2.generateSymmetricKey(), 'a'));
      expect(codeOf(() => f.symClient.protect(new Uint8Array(0), 'a'))).toBe(E4ErrorCode.EmptyPayload);
      expect(codeOf(() => f.symClient.protect(new Uint8Array(1), 'b'))).toBe(E4ErrorCode.TopicKeyNotFound);
      expect(codeOf(() => f.symClient.unprotect(new Uint8Array(1), 'b'))).toBe(E4ErrorCode.TopicKeyNotFound);
    });
  });

  describe('key transition', () => {
    function pair() {
      const clock = fixedClock(T0);
      const topic = 'rotate/me';
      const k1 = c2.generateSymmetricKey();
      const k2 = c2.generateSymmetricKey();
      const receiverKey = c2.generateSymmetricKey();
      const receiver = createSymmetricClient({ id: c2.generateId(), key: receiverKey, clock: clock.read });
      const senderKey = c2.generateSymmetricKey();
      const staleSender = createSymmetricClient({ id: c2.generateId(), key: senderKey, clock: clock.read });
      const give = (client: E4Client, key: Uint8Array, clientKey: Uint8Array) =>
        client.unprotect(c2.protectCommand(clientKey, c2.cmdSetTopicKey(key, topic), clock.now), client.controlTopic);
      give(receiver, k1, receiverKey);
      give(staleSender, k1, senderKey);
      give(receiver, k2, receiverKey);
      return { clock, topic, receiver, staleSender, rotateAgain: () => give(receiver, k2, receiverKey) };
    }

    it('opens messages under the old key for 60 minutes of injected clock, then refuses them', () => {
      const { clock, topic, receiver, staleSender } = pair();
      for (const minutes of [0, 1, 30, 59, 60]) {
        clock.now = T0 + minutes * 60_000;
        const message = staleSender.protect(new Uint8Array([minutes]), topic);
        expect(receiver.unprotect(message, topic)).toEqual({ kind: 'message', payload: new Uint8Array([minutes]) });
      }
      clock.now = T0 + 60 * 60_000 + 1000;
      const late = staleSender.protect(new Uint8Array([61]), topic);
      expect(codeOf(() => receiver.unprotect(late, topic))).toBe(E4ErrorCode.NotAuthentic);
    });

    it('keeps the old entry when the same key is set again', () => {
      const { clock, topic, receiver, staleSender, rotateAgain } = pair();
      clock.now = T0 + 10 * 60_000;
      const before = receiver.exportState();
      rotateAgain();
      expect(receiver.exportState()).toBe(before);
      expect(receiver.unprotect(staleSender.protect(new Uint8Array([1]), topic), topic).kind).toBe('message');
    });

    it('tries the old key only after an authentication failure, not a timestamp error', () => {
      const { clock, topic, receiver, staleSender } = pair();
      const message = staleSender.protect(new Uint8Array([1]), topic);
      clock.now = T0 + 11 * 60_000;
      expect(codeOf(() => receiver.unprotect(message, topic))).toBe(E4ErrorCode.TimestampTooOld);
    });
  });

  describe('failed commands change nothing', () => {
    const cases: [string, (f: ReturnType<typeof fleet>) => unknown][] = [
      ['a wrong argument length', (f) => f.toSym(new Uint8Array([0x03, 1, 2, 3]))],
      ['an unknown command byte', (f) => f.toSym(new Uint8Array([0x09]))],
      ['an empty command', (f) => f.toSym(new Uint8Array(0))],
      ['a public-key command on a symmetric client', (f) => f.toSym(c2.cmdResetPubKeys())],
      ['RemovePubKey of an unknown id', (f) => f.toReceiver(c2.cmdRemovePubKey('nobody'))],
      ['SetPubKey with an all-zero key', (f) => f.toReceiver(c2.cmdSetPubKey(new Uint8Array(32), 'zero'))],
      ['SetC2Key with a low-order point', (f) => f.toReceiver(c2.cmdSetC2Key(new Uint8Array(32).fill(0).map((_, i) => (i === 0 ? 1 : 0))))],
      ['SetIDKey with an all-zero key', (f) => f.toSym(c2.cmdSetIdKey(new Uint8Array(32)))],
    ];

    it.each(cases)('%s', (_name, act) => {
      const clock = fixedClock(T0);
      const store = createMemoryStore();
      const f = fleet(clock.read, store);
      f.toSym(c2.cmdSetTopicKey(c2.generateSymmetricKey(), 'kept'));
      const states = [f.symClient.exportState(), f.receiver.exportState()];
      const stored = store.load();
      expect(codeOf(() => act(f))).not.toBe('ok');
      expect([f.symClient.exportState(), f.receiver.exportState()]).toEqual(states);
      expect(store.load()).toBe(stored);
    });

    it('a store that fails to save leaves the client as it was', () => {
      const clock = fixedClock(T0);
      let fail = false;
      const inner = createMemoryStore();
      const store: KeyStore = {
        load: () => inner.load(),
        save: (text) => {
          if (fail) throw new Error('disk full');
          inner.save(text);
        },
      };
      const f = fleet(clock.read, store);
      const before = f.symClient.exportState();
      fail = true;
      expect(codeOf(() => f.toSym(c2.cmdSetTopicKey(c2.generateSymmetricKey(), 't')))).toBe(E4ErrorCode.StoreFailed);
      expect(f.symClient.exportState()).toBe(before);
      expect(inner.load()).toBe(before);
    });
  });

  describe('state', () => {
    it('moves between instances through the store, in both modes', () => {
      const clock = fixedClock(T0);
      const store = createMemoryStore();
      const f = fleet(clock.read, store);
      f.toSym(c2.cmdSetTopicKey(c2.generateSymmetricKey(), 'persisted'));
      const reloaded = loadClient({ store, clock: clock.read });
      expect(reloaded.exportState()).toBe(f.symClient.exportState());
      const message = f.symClient.protect(new Uint8Array([7]), 'persisted');
      expect(reloaded.unprotect(message, 'persisted')).toEqual({ kind: 'message', payload: new Uint8Array([7]) });
      const pk = loadClient({ text: f.receiver.exportState(), clock: clock.read });
      expect(pk.modeName).toBe('publicKey');
      expect(pk.exportState()).toBe(f.receiver.exportState());
    });

    it('destroy wipes the keys and refuses further use', () => {
      const clock = fixedClock(T0);
      const f = fleet(clock.read);
      f.symClient.destroy();
      expect(codeOf(() => f.symClient.protect(new Uint8Array(1), 't'))).toBe(E4ErrorCode.InvalidArgument);
      expect(codeOf(() => f.symClient.exportState())).toBe(E4ErrorCode.InvalidArgument);
    });
  });

  describe('clock windows', () => {
    it('the Go window refuses any future skew; the C window allows 10 minutes', () => {
      const clock = fixedClock(T0);
      const key = c2.generateSymmetricKey();
      const sender = createSymmetricClient({ id: c2.generateId(), key, clock: clock.read });
      const goReceiver = createSymmetricClient({ id: c2.generateId(), key, clock: clock.read });
      const cReceiver = createSymmetricClient({ id: c2.generateId(), key, clock: clock.read, window: C_CLIENT_WINDOW });
      for (const client of [sender, goReceiver, cReceiver]) {
        client.unprotect(c2.protectCommand(key, c2.cmdSetTopicKey(key, 't'), clock.now), client.controlTopic);
      }
      clock.now = T0 + 300_000;
      const ahead = sender.protect(new Uint8Array([1]), 't');
      clock.now = T0;
      expect(codeOf(() => goReceiver.unprotect(ahead, 't'))).toBe(E4ErrorCode.TimestampInFuture);
      expect(cReceiver.unprotect(ahead, 't').kind).toBe('message');
      clock.now = T0 + 600_000;
      const at = sender.protect(new Uint8Array([1]), 't');
      clock.now = T0 + 1_200_000;
      expect(goReceiver.unprotect(at, 't').kind).toBe('message'); // exactly 600 s old: accepted
      clock.now += 1;
      expect(codeOf(() => goReceiver.unprotect(at, 't'))).toBe(E4ErrorCode.TimestampTooOld);
    });
  });
});

describe('the topic cache', () => {
  useBackend('wasm');

  /** A symmetric client holding keys for `count` topics, and the SHA3-256 inputs it hashes from now on. */
  function counted(count: number) {
    const clock = fixedClock(1_700_000_000_000);
    const topics = Array.from({ length: count }, (_, i) => 'fleet/site/' + i + '/telemetry');
    const keys = topics.map(() => c2.generateSymmetricKey());
    const client = symClient({ topicKeys: topicTable(topics.map((t, i) => [t, keys[i]])), nowMs: clock.read });
    const backend = activeBackend();
    const hashed: number[] = [];
    const sha3 = backend.sha3_256;
    backend.sha3_256 = (data) => {
      // Topics only: a failed open also hashes the 16-byte topic hash, to look for a previous key.
      if (data.length !== 16) hashed.push(data.length);
      return sha3(data);
    };
    return { client, topics, hashed, restore: () => (backend.sha3_256 = sha3) };
  }

  it('hashes each text topic once and reads every message as without it', () => {
    const { client, topics, hashed, restore } = counted(3);
    try {
      const messages = topics.map((t) => client.protect(new Uint8Array([1, 2, 3]), t));
      expect(hashed.length).toBe(3);
      for (let round = 0; round < 5; round++) {
        topics.forEach((t, i) => expect(client.unprotect(messages[i], t)).toEqual({ kind: 'message', payload: new Uint8Array([1, 2, 3]) }));
        topics.forEach((t, i) => expect(client.unprotect(messages[i], new TextEncoder().encode(t)).kind).toBe('message'));
      }
      // Text topics were remembered when protecting; topics given as bytes are hashed each time.
      expect(hashed.length).toBe(3 + 15);
      // A topic without a key is remembered too, and refused each time the same way.
      for (let k = 0; k < 2; k++) expect(codeOf(() => client.unprotect(messages[0], 'no/key/here'))).toBe(E4ErrorCode.TopicKeyNotFound);
      expect(hashed.length).toBe(3 + 15 + 1);
    } finally {
      restore();
    }
  });

  it('holds at most TOPIC_CACHE_LIMIT topics: full, it is emptied', () => {
    const count = TOPIC_CACHE_LIMIT + 4;
    const { client, topics, hashed, restore } = counted(count);
    try {
      const message = client.protect(new Uint8Array([7]), topics[0]);
      for (let round = 0; round < 2; round++) {
        hashed.length = 0;
        for (const t of topics) expect(codeOf(() => client.unprotect(message, t))).toBe(t === topics[0] ? 'ok' : E4ErrorCode.NotAuthentic);
        // Round-robin over more topics than it holds: every topic is hashed again each round.
        expect(hashed.length).toBe(round === 0 ? count - 1 : count);
      }
    } finally {
      restore();
    }
  });
});

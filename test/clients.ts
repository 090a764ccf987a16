/** Clients built from vector fields, for the protocol suites. */
import * as c2 from '../src/c2.ts';
import { E4Client } from '../src/client/client.ts';
import { createSymmetricClient } from '../src/client/symmetric.ts';
import { publicKeyMode } from '../src/client/publicKey.ts';
import { symmetricMode } from '../src/client/symmetric.ts';
import { nobleCurves } from '../src/keys/curves.ts';
import type { ByteTable, ClientState } from '../src/keys/state.ts';
import { hashTopic } from '../src/primitives.ts';
import type { TimestampWindow } from '../src/protocol/clock.ts';
import { toHex } from '../src/utils.ts';
import { hex } from './vectors.ts';

/** A clock the test moves: `clock.now` in milliseconds. */
export function fixedClock(ms: number): { now: number; read: () => number } {
  const clock = { now: ms, read: () => clock.now };
  return clock;
}

export function topicTable(entries: [string | Uint8Array, string | Uint8Array][]): ByteTable {
  const table: ByteTable = {};
  for (const [topic, key] of entries) table[toHex(hashTopic(topic))] = typeof key === 'string' ? hex(key) : key;
  return table;
}

const someId = () => hex('00112233445566778899aabbccddeeff');

export function symClient(opts: { topicKeys?: ByteTable; key?: Uint8Array; id?: Uint8Array; nowMs: () => number; window?: TimestampWindow }): E4Client {
  const id = opts.id ?? someId();
  const state: ClientState = {
    id,
    topicKeys: opts.topicKeys ?? {},
    key: { keyType: 0, key: opts.key ?? new Uint8Array(32).fill(9) },
    receivingTopic: 'e4/' + toHex(id),
  };
  return new E4Client(symmetricMode, state, { clock: opts.nowMs, window: opts.window });
}

export function pkClient(opts: {
  topicKeys?: ByteTable;
  privateKey?: Uint8Array;
  id?: Uint8Array;
  c2PublicKey?: Uint8Array;
  pubKeys?: ByteTable | null;
  nowMs: () => number;
}): E4Client {
  const id = opts.id ?? someId();
  const privateKey = opts.privateKey ?? nobleCurves.ed25519PrivateKeyFromSeed(new Uint8Array(32).fill(5));
  const state: ClientState = {
    id,
    topicKeys: opts.topicKeys ?? {},
    key: {
      keyType: 1,
      privateKey,
      signerId: id,
      c2PublicKey: opts.c2PublicKey ?? nobleCurves.x25519PublicKey(new Uint8Array(32).fill(7)),
      pubKeys: opts.pubKeys === undefined ? {} : opts.pubKeys,
    },
    receivingTopic: 'e4/' + toHex(id),
  };
  return new E4Client(publicKeyMode, state, { clock: opts.nowMs });
}

/** Random bytes of any length (getRandomValues fills at most 64 KiB a call). */
export function randomBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i += 65536) crypto.getRandomValues(bytes.subarray(i, Math.min(length, i + 65536)));
  return bytes;
}

/**
 * A symmetric server at `startMs` with `topicCount` topics (at least 3), topic 0 rotated a
 * minute ago, and messages of every timing: under topic 0's old key (still in transition),
 * stale (ten minutes and a second old, on topic 1), from the future (a second ahead, on topic 2),
 * and a command to send it (ResetTopics).
 */
export function transitionFleet(topicCount: number, startMs: number) {
  const clock = fixedClock(startMs);
  const clientKey = c2.generateSymmetricKey();
  const client = createSymmetricClient({ id: c2.generateId(), key: clientKey, clock: clock.read });
  const command = (cmd: Uint8Array) => client.unprotect(c2.protectCommand(clientKey, cmd, clock.now), client.controlTopic);
  const topics: string[] = [];
  for (let i = 0; i < topicCount; i++) {
    topics.push('fleet/' + i + '/telemetry');
    command(c2.cmdSetTopicKey(c2.generateSymmetricKey(), topics[i]));
  }
  const oldKeyMessages = [1, 16, 100, 300].map((n) => client.protect(randomBytes(n), topics[0]));
  clock.now += 60_000;
  command(c2.cmdSetTopicKey(c2.generateSymmetricKey(), topics[0]));
  const now = clock.now;
  clock.now = now - 600_000 - 1000;
  const staleMessages = [8, 64].map((n) => client.protect(randomBytes(n), topics[1]));
  clock.now = now + 1000;
  const futureMessage = client.protect(randomBytes(5), topics[2]);
  clock.now = now;
  const commandMessage = c2.protectCommand(clientKey, c2.cmdResetTopics(), clock.now);
  return { clock, clientKey, client, command, topics, oldKeyMessages, staleMessages, futureMessage, commandMessage };
}

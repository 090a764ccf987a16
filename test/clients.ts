/** Clients built from vector fields, for the protocol suites. */
import { E4Client } from '../src/client/client.ts';
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

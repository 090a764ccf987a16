/**
 * The fleets the ingestion benches read: a symmetric server with TOPICS topic keys, a public-key
 * server that knows its own signing key as a peer's, and their messages laid out back to back.
 * The clock stands still at T0, so messages never age during a run.
 */
import * as c2 from '../src/c2.ts';
import type { PackedMessages } from '../src/client/batch.ts';
import { controlTopicOf, E4Client } from '../src/client/client.ts';
import { publicKeyModeOn } from '../src/client/publicKey.ts';
import { createSymmetricClient } from '../src/client/symmetric.ts';
import type { CurveProvider } from '../src/keys/curves.ts';

export const T0 = 1_700_000_000_000;
export const TOPICS = 8;

/**
 * A symmetric server holding keys for TOPICS topics; message i of a batch goes on topic i mod
 * TOPICS. `topicKeys[t]` is topic t's key, for peers that open the messages themselves.
 */
export function symmetricFleet(): { client: E4Client; topics: string[]; topicKeys: Uint8Array[] } {
  const clientKey = c2.generateSymmetricKey();
  const client = createSymmetricClient({ id: c2.generateId(), key: clientKey, clock: () => T0 });
  const topics: string[] = [];
  const topicKeys: Uint8Array[] = [];
  for (let t = 0; t < TOPICS; t++) {
    topics.push('fleet/site-' + t + '/telemetry');
    topicKeys.push(c2.generateSymmetricKey());
    client.unprotect(c2.protectCommand(clientKey, c2.cmdSetTopicKey(topicKeys[t], topics[t]), T0), client.controlTopic);
  }
  return { client, topics, topicKeys };
}

/** A public-key server whose signatures `curves` checks, its own key known as a peer's, and its one topic. */
export function publicKeyFleet(curves: CurveProvider): { client: E4Client; topic: string } {
  const id = c2.generateId();
  const keys = c2.generateEd25519KeyPair();
  const c2Keys = c2.generateX25519KeyPair();
  const client = new E4Client(
    publicKeyModeOn(curves),
    {
      id,
      topicKeys: {},
      key: { keyType: 1, privateKey: keys.privateKey, signerId: id, c2PublicKey: c2Keys.publicKey, pubKeys: {} },
      receivingTopic: controlTopicOf(id),
    },
    { clock: () => T0 },
  );
  const shared = c2.sharedKeyForClient(c2Keys.privateKey, keys.publicKey);
  const topic = 'fleet/signed/telemetry';
  client.unprotect(c2.protectCommand(shared, c2.cmdSetPubKey(keys.publicKey, { id }), T0), client.controlTopic);
  client.unprotect(c2.protectCommand(shared, c2.cmdSetTopicKey(c2.generateSymmetricKey(), topic), T0), client.controlTopic);
  return { client, topic };
}

/**
 * `messages` back to back, message i on `topics[topicOf(i)]`, in a SharedArrayBuffer when
 * `shared` (as a server receiving into shared memory holds them).
 */
export function packed(messages: readonly Uint8Array[], topics: string[], topicOf: (i: number) => number, shared = false): PackedMessages {
  const offsets = new Uint32Array(messages.length + 1);
  for (let i = 0; i < messages.length; i++) offsets[i + 1] = offsets[i] + messages[i].length;
  const total = offsets[messages.length];
  const data = new Uint8Array(shared ? new SharedArrayBuffer(total) : new ArrayBuffer(total));
  const topicIndexes = new Uint32Array(messages.length);
  for (let i = 0; i < messages.length; i++) {
    data.set(messages[i], offsets[i]);
    topicIndexes[i] = topicOf(i);
  }
  return { data, offsets, topicIndexes, topics, count: messages.length };
}

/**
 * A Uint8Array whose ArrayBuffer has been transferred away (to a worker, by structuredClone) reads
 * as empty, and copying from it throws a bare TypeError. Every public function that takes bytes
 * refuses one as `InvalidArgument`, on every backend, in each byte position.
 */
import { describe, expect, it } from 'vitest';
import {
  aesSivOpen,
  aesSivOpenInto,
  aesSivSeal,
  aesSivSealInto,
  argon2i,
  argon2id,
  cmdRemovePubKey,
  cmdRemoveTopic,
  cmdSetC2Key,
  cmdSetIdKey,
  cmdSetPubKey,
  cmdSetTopicKey,
  createPackedResults,
  createPublicKeyClient,
  createSymmetricClient,
  deriveKeyFromPassword,
  E4ErrorCode,
  generateEd25519KeyPair,
  generateX25519KeyPair,
  hashTopic,
  idFromName,
  isE4Error,
  protectCommand,
  protectPacked,
  sha3_256,
  sharedKeyForClient,
  toBase64,
  toHex,
  unprotectBatch,
  unprotectPacked,
  validateName,
  validatePassword,
  validateTopic,
  type E4Client,
} from '../src/index.ts';
import { BACKENDS, useBackend } from './backends.ts';

/** A view over an ArrayBuffer that has been transferred: its length reads 0. */
function detached(length = 32): Uint8Array {
  const bytes = new Uint8Array(length).fill(1);
  structuredClone(bytes.buffer, { transfer: [bytes.buffer] });
  return bytes;
}

function codeOf(f: () => unknown): string {
  try {
    const value = f();
    // The validators answer with the error rather than throw it; a batch answers message by message.
    if (isE4Error(value)) return value.code;
    if (Array.isArray(value) && value.length === 1 && value[0].ok === false) return value[0].code;
    return 'no error';
  } catch (e) {
    return isE4Error(e) ? e.code : 'not an E4Error: ' + String(e);
  }
}

const TINY_ARGON2 = { t: 1, m: 8, p: 1, dkLen: 32 };
const key64 = new Uint8Array(64).fill(7);
const key32 = new Uint8Array(32).fill(9);
const id = new Uint8Array(16).fill(3);
const topic = 'sensors/temperature';

function symmetricClient(): E4Client {
  const client = createSymmetricClient({ id, key: key32 });
  client.unprotect(protectCommand(key32, cmdSetTopicKey(key32, topic)), client.controlTopic);
  return client;
}

function packed(client: E4Client, data: Uint8Array) {
  return { data, offsets: Uint32Array.of(0, data.length), topicIndexes: Uint32Array.of(0), topics: [topic], count: 1 };
}

/** Each call with a detached view in one of its byte arguments. */
function calls(): [string, () => unknown][] {
  const sealed = aesSivSeal(key64, [], new Uint8Array(4));
  const client = symmetricClient();
  const message = client.protect(new Uint8Array([1, 2, 3]), topic);
  const pair = generateEd25519KeyPair();
  const c2 = generateX25519KeyPair();
  return [
    ['aesSivSeal key', () => aesSivSeal(detached(64), [], new Uint8Array(4))],
    ['aesSivSeal ad', () => aesSivSeal(key64, [detached()], new Uint8Array(4))],
    ['aesSivSeal plaintext', () => aesSivSeal(key64, [], detached())],
    ['aesSivSealInto out', () => aesSivSealInto(key64, [], new Uint8Array(0), detached())],
    ['aesSivOpen key', () => aesSivOpen(detached(64), [], sealed)],
    ['aesSivOpen ad', () => aesSivOpen(key64, [detached()], sealed)],
    ['aesSivOpen ciphertext', () => aesSivOpen(key64, [], detached())],
    ['aesSivOpenInto out', () => aesSivOpenInto(key64, [], aesSivSeal(key64, [], new Uint8Array(0)), detached())],
    ['sha3_256', () => sha3_256(detached())],
    ['hashTopic', () => hashTopic(detached())],
    ['idFromName', () => idFromName(detached())],
    ['argon2i password', () => argon2i(detached(), new Uint8Array(8), TINY_ARGON2)],
    ['argon2i salt', () => argon2i('password', detached(), TINY_ARGON2)],
    ['argon2id password', () => argon2id(detached(), new Uint8Array(8), TINY_ARGON2)],
    ['argon2id salt', () => argon2id('password', detached(), TINY_ARGON2)],
    ['deriveKeyFromPassword', () => deriveKeyFromPassword(detached())],
    ['validateTopic', () => validateTopic(detached())],
    ['validateName', () => validateName(detached())],
    ['validatePassword', () => validatePassword(detached())],
    ['toHex', () => toHex(detached())],
    ['toBase64', () => toBase64(detached())],
    ['createSymmetricClient id', () => createSymmetricClient({ id: detached(16), key: key32 })],
    ['createSymmetricClient key', () => createSymmetricClient({ id, key: detached() })],
    ['createPublicKeyClient id', () => createPublicKeyClient({ id: detached(16), privateKey: pair.privateKey, c2PublicKey: c2.publicKey })],
    ['createPublicKeyClient privateKey', () => createPublicKeyClient({ id, privateKey: detached(64), c2PublicKey: c2.publicKey })],
    ['createPublicKeyClient c2PublicKey', () => createPublicKeyClient({ id, privateKey: pair.privateKey, c2PublicKey: detached() })],
    ['protect payload', () => client.protect(detached(), topic)],
    ['protect topic', () => client.protect(new Uint8Array([1]), detached())],
    ['unprotect message', () => client.unprotect(detached(), topic)],
    ['unprotect topic', () => client.unprotect(message, detached())],
    ['unprotectBatch message', () => unprotectBatch(client, [detached()], topic)],
    ['unprotectBatch topic', () => unprotectBatch(client, [message], detached())],
    ['unprotectBatch out', () => unprotectBatch(client, [message], topic, detached())],
    ['unprotectPacked data', () => unprotectPacked(client, packed(client, detached()), new Uint8Array(64), createPackedResults(1))],
    ['unprotectPacked out', () => unprotectPacked(client, packed(client, message), detached(), createPackedResults(1))],
    ['protectPacked data', () => protectPacked(client, packed(client, detached()), new Uint8Array(128), createPackedResults(1))],
    ['protectPacked out', () => protectPacked(client, packed(client, new Uint8Array([1])), detached(), createPackedResults(1))],
    ['cmdRemoveTopic', () => cmdRemoveTopic(detached())],
    ['cmdSetIdKey', () => cmdSetIdKey(detached())],
    ['cmdSetTopicKey key', () => cmdSetTopicKey(detached(), topic)],
    ['cmdSetTopicKey topic', () => cmdSetTopicKey(key32, detached())],
    ['cmdRemovePubKey', () => cmdRemovePubKey(detached(16))],
    ['cmdSetPubKey publicKey', () => cmdSetPubKey(detached(), id)],
    ['cmdSetPubKey client', () => cmdSetPubKey(pair.publicKey, detached(16))],
    ['cmdSetC2Key', () => cmdSetC2Key(detached())],
    ['protectCommand key', () => protectCommand(detached(), cmdSetIdKey(key32))],
    ['protectCommand command', () => protectCommand(key32, detached())],
    ['sharedKeyForClient c2PrivateKey', () => sharedKeyForClient(detached(), pair.publicKey)],
    ['sharedKeyForClient client key', () => sharedKeyForClient(c2.privateKey, detached())],
  ];
}

describe.each(BACKENDS)('detached buffers on %s', (name) => {
  useBackend(name);

  it('detaching leaves a view that reads as empty', () => {
    const view = detached();
    expect(view.length).toBe(0);
    expect(() => new Uint8Array(4).set(view)).toThrow(TypeError);
  });

  it('every public function taking bytes refuses a detached view as InvalidArgument', () => {
    const answers = calls().map(([what, call]) => [what, codeOf(call)]);
    expect(answers).toEqual(answers.map(([what]) => [what, E4ErrorCode.InvalidArgument]));
  });

  it('a view of an empty, attached buffer is still accepted', () => {
    expect(sha3_256(new Uint8Array(0))).toHaveLength(32);
    expect(aesSivSeal(key64, [new Uint8Array(0)], new Uint8Array(new ArrayBuffer(0)))).toHaveLength(16);
  });
});

/**
 * The C2 side's command builders, with the Go builders' checks, and command protection: the part
 * of the C2 side that needs no curve code and no random source, so the embedded build (ES5, no
 * curves) carries it too. `c2.ts` re-exports all of it beside key generation and shared keys.
 *
 * Builders check the key length before the topic or name, and answer in the Go builders' words.
 */
import { checkId } from './client/client.ts';
import { E4ErrorCode, e4Error } from './errors.ts';
import { hashTopic, idFromName } from './primitives.ts';
import { systemClock } from './protocol/clock.ts';
import { encodeCommand } from './protocol/commands.ts';
import { protectSymmetric } from './protocol/messages.ts';
import { ED25519_PRIVATE_KEY_LEN, ED25519_PUBLIC_KEY_LEN, KEY_LEN, X25519_KEY_LEN } from './protocol/sizes.ts';
import { assertBytes, bytesOf, concatBytes, isAllZero, type BytesLike } from './utils.ts';

/** A client named by its name (its id is derived from it, as Go's builders do) or by its id. */
export type ClientRef = BytesLike | { id: Uint8Array };

function idOf(client: ClientRef): Uint8Array {
  if (typeof client === 'object' && client !== null && !(client instanceof Uint8Array)) {
    return checkId(client.id);
  }
  if (bytesOf(client, 'name').length === 0) throw e4Error(E4ErrorCode.InvalidName, 'name must not be empty');
  return idFromName(client);
}

function topicHashOf(topic: BytesLike): Uint8Array {
  if (bytesOf(topic, 'topic').length === 0) throw e4Error(E4ErrorCode.InvalidTopic, 'topic must not be empty');
  return hashTopic(topic);
}

function keyOfLength(key: Uint8Array, title: string, lengths: number[], wanted: string): Uint8Array {
  const bytes = assertBytes(key, title);
  if (lengths.indexOf(bytes.length) < 0) {
    throw e4Error(E4ErrorCode.InvalidKeyLength, 'invalid key length, got ' + bytes.length + ', wanted ' + wanted);
  }
  return bytes;
}

/** RemoveTopic: the client forgets the topic's key (and its previous key). */
export function cmdRemoveTopic(topic: BytesLike): Uint8Array {
  return encodeCommand('RemoveTopic', topicHashOf(topic));
}

/** ResetTopics: the client forgets every topic key. */
export function cmdResetTopics(): Uint8Array {
  return encodeCommand('ResetTopics', new Uint8Array(0));
}

/** SetIDKey: a new client key (32 bytes, symmetric) or Ed25519 private key (64, public-key mode). */
export function cmdSetIdKey(key: Uint8Array): Uint8Array {
  return encodeCommand('SetIDKey', keyOfLength(key, 'key', [KEY_LEN, ED25519_PRIVATE_KEY_LEN], KEY_LEN + ' or ' + ED25519_PRIVATE_KEY_LEN));
}

/** SetTopicKey: the topic's new key; the client keeps the previous one for 60 minutes. */
export function cmdSetTopicKey(key: Uint8Array, topic: BytesLike): Uint8Array {
  const bytes = keyOfLength(key, 'key', [KEY_LEN], String(KEY_LEN));
  return encodeCommand('SetTopicKey', concatBytes([bytes, topicHashOf(topic)]));
}

/** RemovePubKey: the client forgets another client's Ed25519 public key. */
export function cmdRemovePubKey(client: ClientRef): Uint8Array {
  return encodeCommand('RemovePubKey', idOf(client));
}

/** ResetPubKeys: the client forgets every public key it knows. */
export function cmdResetPubKeys(): Uint8Array {
  return encodeCommand('ResetPubKeys', new Uint8Array(0));
}

/** SetPubKey: another client's Ed25519 public key, so its signed messages can be checked. */
export function cmdSetPubKey(publicKey: Uint8Array, client: ClientRef): Uint8Array {
  const key = assertBytes(publicKey, 'publicKey');
  if (key.length !== ED25519_PUBLIC_KEY_LEN) {
    throw e4Error(
      E4ErrorCode.InvalidPublicKey,
      'invalid public key length, got ' + key.length + ', wanted ' + ED25519_PUBLIC_KEY_LEN,
    );
  }
  return encodeCommand('SetPubKey', concatBytes([key, idOf(client)]));
}

/** SetC2Key: C2's new X25519 public key; the client derives a new shared key from it. */
export function cmdSetC2Key(c2PublicKey: Uint8Array): Uint8Array {
  const key = assertBytes(c2PublicKey, 'c2PublicKey');
  if (key.length !== X25519_KEY_LEN) {
    throw e4Error(
      E4ErrorCode.InvalidPublicKey,
      'invalid c2 public key: invalid public key length, got ' + key.length + ', expected ' + X25519_KEY_LEN,
    );
  }
  if (isAllZero(key)) throw e4Error(E4ErrorCode.InvalidPublicKey, 'invalid c2 public key: invalid public key, all zeros');
  return encodeCommand('SetC2Key', key);
}

/**
 * A command protected for a client, ready to publish on its control topic: with the client's
 * key (symmetric mode) or the key shared with C2 (public-key mode, see `sharedKeyForClient`),
 * timestamped `nowMs` (default: now).
 */
export function protectCommand(key: Uint8Array, command: Uint8Array, nowMs?: number): Uint8Array {
  return protectSymmetric(assertBytes(key, 'key'), assertBytes(command, 'command'), nowMs === undefined ? systemClock() : nowMs);
}

/**
 * The C2 side: what a key server (or a test harness) needs to provision and rotate a fleet of
 * E4 clients with no other E4 software: command builders with the Go builders' checks, command
 * protection for either mode (both in c2Commands.ts, which the embedded build shares), key and
 * id generation, and the key C2 shares with a public-key client.
 */
import { nobleCurves, type KeyPair } from './keys/curves.ts';
import { sha3_256 } from './primitives.ts';
import { ID_LEN, KEY_LEN } from './protocol/sizes.ts';
import { isAllZero } from './utils.ts';

export {
  cmdRemovePubKey,
  cmdRemoveTopic,
  cmdResetPubKeys,
  cmdResetTopics,
  cmdSetC2Key,
  cmdSetIdKey,
  cmdSetPubKey,
  cmdSetTopicKey,
  protectCommand,
  type ClientRef,
} from './c2Commands.ts';
export type { KeyPair } from './keys/curves.ts';

/**
 * The key C2 shares with a public-key client: SHA3-256(X25519(C2's X25519 private key, the
 * client's Ed25519 public key mapped to X25519)); the client computes the same from its side.
 */
export function sharedKeyForClient(c2PrivateKey: Uint8Array, clientEd25519PublicKey: Uint8Array): Uint8Array {
  const clientCurve = nobleCurves.edPublicToCurve(clientEd25519PublicKey);
  const secret = nobleCurves.x25519(c2PrivateKey, clientCurve);
  try {
    return sha3_256(secret);
  } finally {
    secret.fill(0);
  }
}

function randomBytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  globalThis.crypto.getRandomValues(out);
  return out;
}

/** A random 32-byte symmetric key (client or topic key); never all zero. */
export function generateSymmetricKey(): Uint8Array {
  let key = randomBytes(KEY_LEN);
  while (isAllZero(key)) key = randomBytes(KEY_LEN);
  return key;
}

/** A random 16-byte client id, for clients that are not named. */
export function generateId(): Uint8Array {
  return randomBytes(ID_LEN);
}

/** An Ed25519 key pair; the private key in Go's layout, seed (32) ‖ public key (32). */
export function generateEd25519KeyPair(): KeyPair {
  return nobleCurves.generateEd25519KeyPair();
}

/** An X25519 key pair, such as C2's own. */
export function generateX25519KeyPair(): KeyPair {
  return nobleCurves.generateX25519KeyPair();
}

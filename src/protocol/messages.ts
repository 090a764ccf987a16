/**
 * E4's message layouts and its use of AES-SIV (E4-PROTOCOL.md, "Protected message").
 *
 *   symmetric   timestamp (8) ‖ SIV tag (16) ‖ ciphertext (n)
 *   public key  timestamp (8) ‖ signer id (16) ‖ SIV tag (16) ‖ ciphertext (n) ‖ signature (64)
 *
 * The ciphertext part is always AES-SIV with the 32-byte key written twice (CMAC key = CTR key)
 * and exactly one associated-data string, the message's own timestamp bytes. Commands use the
 * symmetric layout. Offsets all derive from protocol/sizes.ts.
 */
import { E4ErrorCode, e4Error } from '../errors.ts';
import { aesSivOpen, aesSivOpenPacked, aesSivSeal } from '../primitives.ts';
import { isAllZero } from '../utils.ts';
import { checkTimestamp, writeTimestamp, type TimestampWindow } from './clock.ts';
import { ID_LEN, KEY_LEN, PK_OVERHEAD, SIGNATURE_LEN, SYM_OVERHEAD, TIMESTAMP_LEN } from './sizes.ts';

/** Where the signer id and the SIV part of a public-key message start. */
export const PK_SIGNER_ID_OFFSET = TIMESTAMP_LEN;
export const PK_SIV_OFFSET = TIMESTAMP_LEN + ID_LEN;

/**
 * The 64-byte SIV key (key ‖ key), rebuilt for each call and wiped after it, so protecting a
 * message allocates no key array.
 */
const sivKey = new Uint8Array(2 * KEY_LEN);

/** Go's ValidateSymKey, applied to a key when it is used (topic keys are not checked on load). */
export function checkSymmetricKey(key: Uint8Array): void {
  if (key.length !== KEY_LEN) {
    throw e4Error(
      E4ErrorCode.InvalidKeyLength,
      'invalid symmetric key length, got ' + key.length + ', expected ' + KEY_LEN,
    );
  }
  if (isAllZero(key)) throw e4Error(E4ErrorCode.ZeroKey, 'invalid symmetric key, all zeros');
}

/** E4's Encrypt: AES-SIV(key ‖ key, [timestamp], plaintext) = tag ‖ ciphertext. */
export function e4Seal(key: Uint8Array, timestamp: Uint8Array, plaintext: Uint8Array): Uint8Array {
  checkSymmetricKey(key);
  sivKey.set(key, 0);
  sivKey.set(key, KEY_LEN);
  try {
    return aesSivSeal(sivKey, [timestamp], plaintext);
  } finally {
    sivKey.fill(0);
  }
}

/** E4's Decrypt of tag ‖ ciphertext; `NotAuthentic` on a wrong key or tampered bytes. */
export function e4Open(key: Uint8Array, timestamp: Uint8Array, sealed: Uint8Array): Uint8Array {
  checkSymmetricKey(key);
  sivKey.set(key, 0);
  sivKey.set(key, KEY_LEN);
  try {
    return aesSivOpen(sivKey, [timestamp], sealed);
  } catch (e) {
    // One opaque answer for every authentication failure, in Go's words.
    if ((e as { code?: string }).code === E4ErrorCode.NotAuthentic) {
      throw e4Error(E4ErrorCode.NotAuthentic, 'siv: authentication failed');
    }
    throw e;
  } finally {
    sivKey.fill(0);
  }
}

/** A symmetric message (or command) at `nowMs`: timestamp ‖ tag ‖ ciphertext. */
export function protectSymmetric(key: Uint8Array, payload: Uint8Array, nowMs: number): Uint8Array {
  const timestamp = new Uint8Array(TIMESTAMP_LEN);
  writeTimestamp(nowMs, timestamp, 0);
  const sealed = e4Seal(key, timestamp, payload);
  const out = new Uint8Array(TIMESTAMP_LEN + sealed.length);
  out.set(timestamp, 0);
  out.set(sealed, TIMESTAMP_LEN);
  return out;
}

/**
 * The checks Go makes before decrypting a symmetric message, in its order: longer than 24 bytes
 * (so an empty payload cannot be read), then the timestamp window.
 */
export function checkSymmetricMessage(message: Uint8Array, nowMs: number, window: TimestampWindow): void {
  if (message.length <= SYM_OVERHEAD) throw e4Error(E4ErrorCode.MessageTooShort, 'ciphertext too short');
  checkTimestamp(message, nowMs, window);
}

/** Decrypts a symmetric message whose length and timestamp were checked. */
export function openSymmetric(key: Uint8Array, message: Uint8Array): Uint8Array {
  return e4Open(key, message.subarray(0, TIMESTAMP_LEN), message.subarray(TIMESTAMP_LEN));
}

/**
 * E4's Decrypt of many symmetric messages whose lengths and timestamps were checked, laid out
 * back to back in `data` (message i at `data[offsets[i], offsets[i + 1])`), under
 * `keys[keyIndexes[i]]` (topic keys passed `checkSymmetricKey`, each distinct key once; a
 * negative index skips the message), in one crossing where the backend has a batch. Plaintext i
 * goes to `out[offsets[i] + 24, offsets[i + 1])` and `status[i]` is set (src/batchStatus.ts).
 */
export function openSymmetricPacked(
  keys: readonly Uint8Array[],
  keyIndexes: Int32Array,
  data: Uint8Array,
  offsets: Uint32Array,
  count: number,
  out: Uint8Array,
  status: Uint8Array,
): void {
  const sivKeys: Uint8Array[] = [];
  for (let k = 0; k < keys.length; k++) {
    const doubled = new Uint8Array(2 * KEY_LEN);
    doubled.set(keys[k], 0);
    doubled.set(keys[k], KEY_LEN);
    sivKeys.push(doubled);
  }
  try {
    aesSivOpenPacked({ data: data, offsets: offsets, count: count, sivKeys: sivKeys, keyIndexes: keyIndexes }, out, status);
  } finally {
    for (let k = 0; k < sivKeys.length; k++) sivKeys[k].fill(0);
  }
}

/**
 * The length check of a public-key message. Go refuses 72 bytes or less, then panics (73–87
 * bytes) or answers "too short ciphertext" (88–103) after the signature; e4ts refuses every
 * message shorter than the 104-byte layout here, before anything else is read.
 */
export function checkPublicKeyLength(message: Uint8Array): void {
  if (message.length < PK_OVERHEAD) {
    throw e4Error(
      E4ErrorCode.MessageTooShort,
      'invalid length of protected message: ' + message.length + ' bytes, a public-key message has at least ' + PK_OVERHEAD,
    );
  }
}

/** The part of a public-key message its signature covers: everything before the signature. */
export function signedPart(message: Uint8Array): Uint8Array {
  return message.subarray(0, message.length - SIGNATURE_LEN);
}

export function signatureOf(message: Uint8Array): Uint8Array {
  return message.subarray(message.length - SIGNATURE_LEN);
}

export function signerIdOf(message: Uint8Array): Uint8Array {
  return message.subarray(PK_SIGNER_ID_OFFSET, PK_SIGNER_ID_OFFSET + ID_LEN);
}

/** Decrypts the SIV part (tag ‖ ciphertext) of a public-key message. */
export function openPublicKeyBody(key: Uint8Array, message: Uint8Array): Uint8Array {
  return e4Open(key, message.subarray(0, TIMESTAMP_LEN), message.subarray(PK_SIV_OFFSET, message.length - SIGNATURE_LEN));
}

/** timestamp ‖ signer id ‖ tag ‖ ciphertext, ready to be signed; `SIGNATURE_LEN` bytes spare. */
export function publicKeyBody(key: Uint8Array, signerId: Uint8Array, payload: Uint8Array, nowMs: number): Uint8Array {
  const timestamp = new Uint8Array(TIMESTAMP_LEN);
  writeTimestamp(nowMs, timestamp, 0);
  const sealed = e4Seal(key, timestamp, payload);
  const out = new Uint8Array(PK_SIV_OFFSET + sealed.length + SIGNATURE_LEN);
  out.set(timestamp, 0);
  out.set(signerId, PK_SIGNER_ID_OFFSET);
  out.set(sealed, PK_SIV_OFFSET);
  return out;
}

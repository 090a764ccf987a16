/**
 * The primitives API: every input validated once here, then handed to the active backend.
 *
 * After `await init()` every function is synchronous. Errors are `E4Error`s; test `e.code`.
 */
import { activeBackend } from './backends/active.ts';
import {
  MAX_ADS,
  MAX_ARGON2_IO,
  SIV_TAG_LEN,
  sivOpenEachPacked,
  type Argon2Params,
  type Argon2Type,
  type PackedSivBatch,
} from './backends/backend.ts';
import { E4ErrorCode, e4Error } from './errors.ts';
import { E4_ARGON2, HASH_LEN } from './protocol/sizes.ts';
import { assertBytes, bytesOf, isAllZero, type BytesLike } from './utils.ts';
import { assertPassword } from './validate.ts';

export type { Argon2Params } from './backends/backend.ts';

/** RFC 5297 §2.2: two AES keys of 128, 192 or 256 bits. */
const SIV_KEY_LENS = [32, 48, 64];

function checkSivKey(sivKey: unknown): Uint8Array {
  const key = assertBytes(sivKey, 'sivKey');
  if (SIV_KEY_LENS.indexOf(key.length) < 0) {
    throw e4Error(E4ErrorCode.InvalidKeyLength, '"sivKey" expected 32, 48 or 64 bytes, got ' + key.length);
  }
  if (isAllZero(key)) throw e4Error(E4ErrorCode.ZeroKey, '"sivKey" is all zero bytes');
  return key;
}

function checkAds(ads: unknown): readonly Uint8Array[] {
  if (!Array.isArray(ads)) {
    throw e4Error(E4ErrorCode.InvalidArgument, '"ads" expected an array of Uint8Array, got ' + typeof ads);
  }
  if (ads.length > MAX_ADS) {
    throw e4Error(E4ErrorCode.TooManyAds, '"ads" expected at most ' + MAX_ADS + ' strings, got ' + ads.length);
  }
  for (let i = 0; i < ads.length; i++) assertBytes(ads[i], 'ads[' + i + ']');
  return ads as readonly Uint8Array[];
}

function checkSealed(ciphertext: unknown): Uint8Array {
  const sealed = assertBytes(ciphertext, 'ciphertext');
  if (sealed.length < SIV_TAG_LEN) {
    throw e4Error(
      E4ErrorCode.CiphertextTooShort,
      '"ciphertext" expected at least ' + SIV_TAG_LEN + ' bytes (the tag), got ' + sealed.length,
    );
  }
  return sealed;
}

/** An output array long enough for `length` bytes and not overlapping `input`. */
function checkOut(out: unknown, length: number, input: Uint8Array): Uint8Array {
  const target = assertBytes(out, 'out');
  if (target.length < length) {
    throw e4Error(E4ErrorCode.InvalidArgument, '"out" expected at least ' + length + ' bytes, got ' + target.length);
  }
  const overlaps =
    target.buffer === input.buffer &&
    target.byteOffset < input.byteOffset + input.length &&
    input.byteOffset < target.byteOffset + length;
  if (overlaps) throw e4Error(E4ErrorCode.InvalidArgument, '"out" must not overlap the input');
  return target;
}

/**
 * AES-SIV encryption (RFC 5297): returns the 16-byte synthetic IV (the tag) followed by the
 * ciphertext. `sivKey` is 32, 48 or 64 bytes (CMAC key ‖ CTR key); E4 passes its 32-byte key
 * twice. `ads` is the list of associated-data strings: `[]` and `[new Uint8Array(0)]` differ.
 *
 * @example
 * const sealed = aesSivSeal(key64, [timestamp], utf8('21.5 °C'));
 */
export function aesSivSeal(sivKey: Uint8Array, ads: readonly Uint8Array[], plaintext: Uint8Array): Uint8Array {
  const key = checkSivKey(sivKey);
  const adList = checkAds(ads);
  return activeBackend().sivSeal(key, adList, assertBytes(plaintext, 'plaintext'));
}

/**
 * `aesSivSeal` into the first `16 + plaintext.length` bytes of `out`, which must not overlap the
 * plaintext; returns that view of `out`. For hot loops that reuse one output buffer.
 */
export function aesSivSealInto(
  sivKey: Uint8Array,
  ads: readonly Uint8Array[],
  plaintext: Uint8Array,
  out: Uint8Array,
): Uint8Array {
  const key = checkSivKey(sivKey);
  const adList = checkAds(ads);
  const pt = assertBytes(plaintext, 'plaintext');
  return activeBackend().sivSeal(key, adList, pt, checkOut(out, SIV_TAG_LEN + pt.length, pt));
}

/**
 * AES-SIV decryption (RFC 5297) of tag ‖ ciphertext. The tag is compared in constant time; a
 * mismatch throws `NotAuthentic` and no plaintext is released.
 *
 * @example
 * const plaintext = aesSivOpen(key64, [timestamp], sealed);
 */
export function aesSivOpen(sivKey: Uint8Array, ads: readonly Uint8Array[], ciphertext: Uint8Array): Uint8Array {
  const key = checkSivKey(sivKey);
  const adList = checkAds(ads);
  return activeBackend().sivOpen(key, adList, checkSealed(ciphertext));
}

/**
 * `aesSivOpen` into the first `ciphertext.length − 16` bytes of `out`, which must not overlap
 * the ciphertext; returns that view of `out`. On `NotAuthentic` nothing of the plaintext is
 * left in `out`.
 */
export function aesSivOpenInto(
  sivKey: Uint8Array,
  ads: readonly Uint8Array[],
  ciphertext: Uint8Array,
  out: Uint8Array,
): Uint8Array {
  const key = checkSivKey(sivKey);
  const adList = checkAds(ads);
  const sealed = checkSealed(ciphertext);
  return activeBackend().sivOpen(key, adList, sealed, checkOut(out, sealed.length - SIV_TAG_LEN, sealed));
}

/**
 * Many AES-SIV opens in E4's shape on the active backend, in one crossing where it has a packed
 * batch (`Backend.sivOpenPacked`, whose contract this follows), else one `sivOpen` at a time.
 * For the protocol layer, which has checked every key and length: nothing is validated here.
 */
export function aesSivOpenPacked(batch: PackedSivBatch, out: Uint8Array, status: Uint8Array): void {
  const backend = activeBackend();
  if (backend.sivOpenPacked !== undefined) backend.sivOpenPacked(batch, out, status);
  else sivOpenEachPacked(backend, batch, out, status);
}

/** SHA3-256 (FIPS 202) of bytes, or of a string's UTF-8 encoding. */
export function sha3_256(data: BytesLike): Uint8Array {
  return activeBackend().sha3_256(bytesOf(data, 'data'));
}

/**
 * E4's topic hash: the first 16 bytes of SHA3-256 of the topic. Like Go, any topic is hashed,
 * empty or long; `validateTopic` is the separate check.
 */
export function hashTopic(topic: BytesLike): Uint8Array {
  return activeBackend().sha3_256(bytesOf(topic, 'topic')).subarray(0, HASH_LEN);
}

/** A client id from its name (alias): the first 16 bytes of SHA3-256 of the name. */
export function idFromName(name: BytesLike): Uint8Array {
  return activeBackend().sha3_256(bytesOf(name, 'name')).subarray(0, HASH_LEN);
}

function checkArgon2Params(params: unknown): Argon2Params {
  const p = params as Partial<Argon2Params> | null;
  const isInt = (v: unknown, min: number, max: number): boolean =>
    typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
  const bad = (what: string): Error => e4Error(E4ErrorCode.InvalidArgon2Params, 'argon2: ' + what);
  if (typeof p !== 'object' || p === null) throw bad('params expected an object { t, m, p, dkLen }');
  // RFC 9106 §3.1 ranges; the upper bounds of m and dkLen are the 32-bit WASM address space.
  if (!isInt(p.t, 1, 0xffffffff)) throw bad('"t" expected an integer ≥ 1, got ' + String(p.t));
  if (!isInt(p.p, 1, 0xffffff)) throw bad('"p" expected an integer from 1 to 2^24 − 1, got ' + String(p.p));
  if (!isInt(p.m, 8 * (p.p as number), 0x3fffff)) {
    throw bad('"m" expected an integer of KiB from 8 × p to 2^22 − 1, got ' + String(p.m));
  }
  if (!isInt(p.dkLen, 4, 0xffff)) throw bad('"dkLen" expected an integer from 4 to 65535, got ' + String(p.dkLen));
  return { t: p.t as number, m: p.m as number, p: p.p as number, dkLen: p.dkLen as number };
}

interface Argon2Call {
  password: Uint8Array;
  salt: Uint8Array;
  params: Argon2Params;
}

function checkArgon2(password: BytesLike, salt: BytesLike, params: Argon2Params): Argon2Call {
  const checked = checkArgon2Params(params);
  const pwd = bytesOf(password, 'password');
  const saltBytes = bytesOf(salt, 'salt');
  if (pwd.length + saltBytes.length + checked.dkLen > MAX_ARGON2_IO) {
    throw e4Error(
      E4ErrorCode.InputTooLarge,
      'argon2: password, salt and output take more than ' + MAX_ARGON2_IO + ' bytes together',
    );
  }
  return { password: pwd, salt: saltBytes, params: checked };
}

function argon2(type: Argon2Type, password: BytesLike, salt: BytesLike, params: Argon2Params): Uint8Array {
  const call = checkArgon2(password, salt, params);
  return activeBackend().argon2(type, call.password, call.salt, call.params);
}

/**
 * Argon2i (RFC 9106), version 0x13. Any salt length is accepted, the empty one included (E4 uses
 * it; RFC 9106 recommends 16 bytes for new designs).
 */
export function argon2i(password: BytesLike, salt: BytesLike, params: Argon2Params): Uint8Array {
  return argon2('argon2i', password, salt, params);
}

/** Argon2id (RFC 9106), version 0x13: the recommended choice for new deployments. */
export function argon2id(password: BytesLike, salt: BytesLike, params: Argon2Params): Uint8Array {
  return argon2('argon2id', password, salt, params);
}

/**
 * E4's key from a password: the password is validated as Go does (UTF-8, then ≥ 16 bytes), then
 * Argon2i with t = 1, m = 64 MiB, p = 4 and an empty salt gives 32 bytes: the symmetric key in
 * symmetric mode, the Ed25519 seed in public-key mode.
 */
export function deriveKeyFromPassword(password: BytesLike): Uint8Array {
  assertPassword(password);
  return argon2('argon2i', password, new Uint8Array(0), E4_ARGON2);
}

/**
 * `deriveKeyFromPassword` off the calling thread: in a worker on the WASM backend where the
 * runtime has workers (browsers, Deno, Bun, Node 20.16 and later), so a page stays responsive
 * while it works; on this thread otherwise. Same key and same errors, as a rejection.
 *
 * @example
 * const key = await deriveKeyFromPasswordAsync(passwordField.value);
 */
export function deriveKeyFromPasswordAsync(password: BytesLike): Promise<Uint8Array> {
  // An executor rather than an async function: the embedded build's ES5 has no async (its
  // entry leaves this function out, but lowers the whole module). A throw in it is a rejection.
  return new Promise(function (resolve) {
    assertPassword(password);
    const call = checkArgon2(password, new Uint8Array(0), E4_ARGON2);
    const backend = activeBackend();
    resolve(
      backend.argon2Async !== undefined
        ? backend.argon2Async('argon2i', call.password, call.salt, call.params)
        : backend.argon2('argon2i', call.password, call.salt, call.params),
    );
  });
}

/**
 * Drops the Argon2 memory (64 MiB at E4's parameters) kept for the next derivation now, instead
 * of after its idle interval; its blocks were already wiped after the last call.
 */
export function releaseArgon2Memory(): void {
  activeBackend().releaseArgon2Memory?.();
}

/** Wipes every cached key schedule and CMAC subkey of the active backend. */
export function wipeKeyCache(): void {
  activeBackend().wipeKeyCache();
}

/**
 * The one seam between e4ts and its crypto implementations.
 *
 * Everything above it (validation, E4's key rules, message layouts, commands) is written once;
 * a backend holds only algorithm bodies. Each backend module ends with `satisfies Backend`, and
 * one parametrised test suite proves the backends agree byte for byte.
 *
 * Contract: callers (src/primitives.ts) validate before calling, so a backend may assume
 *  - SIV keys of 32, 48 or 64 bytes, AES keys of 16, 24 or 32 bytes;
 *  - at most `MAX_ADS` associated-data strings;
 *  - a sealed input of at least `SIV_TAG_LEN` bytes;
 *  - Argon2 parameters in range, and password + salt + dkLen ≤ `MAX_ARGON2_IO`.
 * A backend still refuses, with an `E4Error`, what only it can know: an input beyond its memory
 * limit (`InputTooLarge`) or memory it cannot get (`OutOfMemory`). Every result is a new array
 * owned by the caller, or a view of the caller's `out`, except the plaintexts `sivOpenBatch`
 * returns without `out` (views of the backend's memory, valid until its next call); no backend
 * keeps a reference to a caller's array after it returns.
 */

import { E4ErrorCode, e4Error } from '../errors.ts';

/** RFC 5297 §2.4: S2V takes at most 127 strings, the plaintext being the last. */
export const MAX_ADS = 126;
export const SIV_TAG_LEN = 16;
export const AES_BLOCK_LEN = 16;
export const SHA3_256_LEN = 32;

/** Argon2's password + salt + output, in bytes: every backend takes this much (64 KiB). */
export const MAX_ARGON2_IO = 65536;

export type Argon2Type = 'argon2i' | 'argon2id';

/** Argon2 cost parameters (RFC 9106 §3.1); version 0x13 only. */
export interface Argon2Params {
  /** Passes over memory (time cost), ≥ 1. */
  t: number;
  /** Memory in KiB, ≥ 8 × p. */
  m: number;
  /** Lanes (parallelism), 1 to 2^24 − 1; lanes run one after the other, results as specified. */
  p: number;
  /** Output length in bytes, ≥ 4. */
  dkLen: number;
}

/** AES building blocks, exposed so the Miscreant vectors can test each part on every backend. */
export interface CipherParts {
  /** One AES block (FIPS 197) under a 16-, 24- or 32-byte key. */
  aesEncryptBlock(key: Uint8Array, block: Uint8Array): Uint8Array;
  /** AES-CTR (SP 800-38A) with a 128-bit big-endian counter starting at `iv`. */
  aesCtr(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array;
  /** AES-CMAC (RFC 4493). */
  cmac(key: Uint8Array, message: Uint8Array): Uint8Array;
  /** Doubling in GF(2^128) (RFC 5297 §2.3). */
  dbl(block: Uint8Array): Uint8Array;
}

/**
 * One result of `sivOpenBatch`: the plaintext, or the code of the item's failure
 * (`NotAuthentic`, or `InvalidArgument` / `InputTooLarge` for an item the backend cannot take).
 */
export type SivBatchResult = Uint8Array | E4ErrorCode;

/** E4's AES-SIV batch shape: the associated data is the message's first 8 bytes (its timestamp). */
export const BATCH_AD_LEN = 8;

export interface Backend {
  readonly name: 'wasm' | 'js' | 'native';
  /**
   * AES-SIV (RFC 5297): tag (16) ‖ ciphertext, in a new array or, when `out` is given, in its
   * first `16 + plaintext.length` bytes (the caller checked its length and that it does not
   * overlap the input).
   */
  sivSeal(sivKey: Uint8Array, ads: readonly Uint8Array[], plaintext: Uint8Array, out?: Uint8Array): Uint8Array;
  /**
   * AES-SIV open of tag ‖ ciphertext, into a new array or the first bytes of `out`; throws
   * `NotAuthentic` on a bad tag, and then nothing of the plaintext is left in `out`.
   */
  sivOpen(sivKey: Uint8Array, ads: readonly Uint8Array[], sealed: Uint8Array, out?: Uint8Array): Uint8Array;
  /**
   * Many AES-SIV opens in E4's shape: `messages[i]` is timestamp (8) ‖ tag ‖ ciphertext, opened
   * with the associated data [timestamp] under `sivKeys[keyIndexes[i]]` (64 bytes each; pass each
   * distinct key once). Result i is the plaintext or the code of the item's failure; one bad item
   * never fails the others. Callers (src/client/batch.ts) check that each message holds at least
   * 24 bytes and each index is in range.
   *
   * With `out`, the plaintexts are views of `out`, one after the other in item order, item i
   * taking `length − 24` bytes whether it opens or not (a failed item's bytes are zeroed or left
   * as they were); `out` holds at least the sum of `length − 24` over the messages. Without it,
   * they may be views of the backend's own memory (the WASM backend's window), valid only until
   * the next call into the backend and never across a growth of its memory: copy what must
   * outlive that.
   *
   * Optional: a backend without it is driven one `sivOpen` at a time by the callers.
   */
  sivOpenBatch?(
    sivKeys: readonly Uint8Array[],
    keyIndexes: ArrayLike<number>,
    messages: readonly Uint8Array[],
    out?: Uint8Array,
  ): SivBatchResult[];
  sha3_256(data: Uint8Array): Uint8Array;
  argon2(type: Argon2Type, password: Uint8Array, salt: Uint8Array, params: Argon2Params): Uint8Array;
  /** Wipes every cached key schedule and CMAC subkey. */
  wipeKeyCache(): void;
  readonly parts: CipherParts;
}

/**
 * The `argon2` of a backend built without Argon2, as in the symmetric client's entry point
 * (src/symmetric.ts), whose bundle leaves out both Argon2 implementations.
 */
export function noArgon2(): never {
  throw e4Error(E4ErrorCode.BackendUnavailable, 'Argon2 is not in this entry point of e4ts; use init() of the main entry');
}

/**
 * `sivOpenBatch` as a loop over `backend.sivOpen`: the batch of a backend without a faster one.
 * Plaintexts land in `out` when given, else in new arrays.
 */
export function sivOpenEach(
  backend: Pick<Backend, 'sivOpen'>,
  sivKeys: readonly Uint8Array[],
  keyIndexes: ArrayLike<number>,
  messages: readonly Uint8Array[],
  out?: Uint8Array,
): SivBatchResult[] {
  const results: SivBatchResult[] = [];
  const ads: Uint8Array[] = [new Uint8Array(0)];
  let pos = 0;
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i];
    ads[0] = message.subarray(0, BATCH_AD_LEN);
    const sealed = message.subarray(BATCH_AD_LEN);
    const room = out === undefined ? undefined : out.subarray(pos);
    try {
      const plaintext = backend.sivOpen(sivKeys[keyIndexes[i]], ads, sealed, room);
      results.push(plaintext);
      pos += plaintext.length;
    } catch (e) {
      const code = (e as { code?: E4ErrorCode }).code;
      if (code === undefined) throw e;
      results.push(code);
      pos += sealed.length - SIV_TAG_LEN;
    }
  }
  return results;
}

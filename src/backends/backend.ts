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
 * owned by the caller, or a view of the caller's `out`; no backend keeps a reference to a
 * caller's array after it returns.
 */

import { BATCH_OK, batchStatusOf } from '../batchStatus.ts';
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

/** E4's AES-SIV batch shape: the associated data is the message's first 8 bytes (its timestamp). */
export const BATCH_AD_LEN = 8;
/** Timestamp ‖ tag: the bytes of a batch message before its ciphertext. */
export const BATCH_HEADER_LEN = BATCH_AD_LEN + SIV_TAG_LEN;

/**
 * Many AES-SIV opens in E4's shape, laid out back to back: message i is
 * `data[offsets[i], offsets[i + 1])`, timestamp (8) ‖ tag (16) ‖ ciphertext, opened with the
 * associated data [timestamp] under `sivKeys[keyIndexes[i]]` (64 bytes each; each distinct key
 * once). A negative key index skips the message. The caller checked that each opened message
 * holds at least 24 bytes and each index is in range.
 */
export interface PackedSivBatch {
  data: Uint8Array;
  /** count + 1 offsets, non-decreasing. */
  offsets: Uint32Array;
  count: number;
  sivKeys: readonly Uint8Array[];
  keyIndexes: Int32Array;
}

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
   * Opens every message of `batch` whose key index is not negative: its plaintext goes to
   * `out[offsets[i] + 24, offsets[i + 1])` and `status[i]` is set (src/batchStatus.ts: 0, or
   * `NotAuthentic`, or `InputTooLarge` for a message beyond the backend's memory limit); one bad
   * message never fails the others. The rest of `out` over the batch's range may be overwritten
   * with the batch's own bytes, never with unauthenticated plaintext. `out` spans at least
   * `offsets[count]` bytes and may be `data` itself (opened in place). Skipped messages keep
   * their status.
   *
   * Optional: a backend without it is driven one `sivOpen` at a time (`sivOpenEachPacked`).
   */
  sivOpenPacked?(batch: PackedSivBatch, out: Uint8Array, status: Uint8Array): void;
  sha3_256(data: Uint8Array): Uint8Array;
  argon2(type: Argon2Type, password: Uint8Array, salt: Uint8Array, params: Argon2Params): Uint8Array;
  /**
   * `argon2` off the calling thread, where the backend can run it elsewhere; the caller's arrays
   * are copied before this returns. Optional: a backend without it is called on this thread.
   */
  argon2Async?(type: Argon2Type, password: Uint8Array, salt: Uint8Array, params: Argon2Params): Promise<Uint8Array>;
  /** Drops the Argon2 memory kept for the next call now, rather than after its idle interval. */
  releaseArgon2Memory?(): void;
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
 * `sivOpenPacked` as a loop over `backend.sivOpen`: the batch of a backend without a faster one.
 */
export function sivOpenEachPacked(
  backend: Pick<Backend, 'sivOpen'>,
  batch: PackedSivBatch,
  out: Uint8Array,
  status: Uint8Array,
): void {
  const data = batch.data;
  const offsets = batch.offsets;
  const ads: Uint8Array[] = [data];
  for (let i = 0; i < batch.count; i++) {
    const key = batch.keyIndexes[i];
    if (key < 0) continue;
    const start = offsets[i];
    const end = offsets[i + 1];
    ads[0] = data.subarray(start, start + BATCH_AD_LEN);
    try {
      backend.sivOpen(batch.sivKeys[key], ads, data.subarray(start + BATCH_AD_LEN, end), out.subarray(start + BATCH_HEADER_LEN, end));
      status[i] = BATCH_OK;
    } catch (e) {
      const code = (e as { code?: E4ErrorCode }).code;
      if (typeof code !== 'string') throw e;
      status[i] = batchStatusOf(code);
    }
  }
}

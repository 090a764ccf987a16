/**
 * AES-SIV (RFC 5297): S2V over AES-CMAC for the tag, AES-CTR from the tag for the ciphertext.
 *
 * The composition (S2V, tag, counter, constant-time check, nothing released before it) is
 * written once, over a `SivCipher` that supplies AES-CMAC and AES-CTR for an expanded key: this
 * module's own, on the table AES of aes.ts, and the embedded build's, on a board's native AES.
 */

import { E4ErrorCode, e4Error } from '../../errors.ts';
import { expandKey, loadBlock, MAX_ROUND_KEY_WORDS, storeBlock } from './aes.ts';
import { cmacSubkeys, s2vStartWith, s2vWith, tableCmac, type CmacFunction, type CmacKey, type S2vKey } from './cmac.ts';
import { ctrXor } from './ctr.ts';
import { createKeyCache, type KeyEntry } from './keycache.ts';

/**
 * Everything derived from one SIV key, all of it in `words`: K1, the left half, expanded for
 * S2V (RFC 5297 §2.6), and K2, the right half, expanded for CTR.
 */
interface SivKeys extends KeyEntry, CmacKey, S2vKey {
  ctrRk: Int32Array;
  ctrNr: number;
}

/** E4 keeps a few keys live (its own, some topics); eight slots cover that without growing. */
export const SIV_CACHE_SLOTS = 8;
/** The largest SIV key: AES-256 for both halves. */
const MAX_SIV_KEY_LEN = 64;

function createSivKeys(): SivKeys {
  const r = MAX_ROUND_KEY_WORDS;
  const words = new Int32Array(2 * r + 16);
  return {
    words: words,
    rk: words.subarray(0, r),
    nr: 0,
    k1: words.subarray(2 * r, 2 * r + 4),
    k2: words.subarray(2 * r + 4, 2 * r + 8),
    d0: words.subarray(2 * r + 8, 2 * r + 12),
    d1: words.subarray(2 * r + 12, 2 * r + 16),
    ctrRk: words.subarray(r, 2 * r),
    ctrNr: 0,
  };
}

/** RFC 5297 §2.6: K1 = leftmost half of the key (S2V), K2 = rightmost half (CTR). */
function expandSivKeys(key: Uint8Array, e: SivKeys): void {
  const half = key.length >>> 1;
  e.nr = expandKey(key, 0, half, e.rk);
  cmacSubkeys(e.rk, e.nr, e.k1, e.k2);
  s2vStartWith(tableCmac, e);
  e.ctrNr = expandKey(key, half, half, e.ctrRk);
}

const cache = createKeyCache(SIV_CACHE_SLOTS, MAX_SIV_KEY_LEN, createSivKeys, expandSivKeys);

/** Wipes every cached key expansion. */
export function wipeSivKeys(): void {
  cache.wipe();
}

/** AES-SIV's two primitives over some AES, for the keys it expands from a SIV key. */
export interface SivCipher<K extends S2vKey> {
  /** The expansion of `sivKey` (32, 48 or 64 bytes), cached, its S2V start filled. */
  keys(sivKey: Uint8Array): K;
  /** AES-CMAC under K1, which S2V (RFC 5297 §2.4) is made of. */
  cmac: CmacFunction<K>;
  /** AES-CTR under K2 from the counter block `q` (four words, left unchanged), `len` bytes from `src[srcOff]` to `dst[dstOff]`. */
  ctr(keys: K, q: Int32Array, src: Uint8Array, srcOff: number, dst: Uint8Array, dstOff: number, len: number): void;
}

/** This module's halves: CMAC and CTR on the table AES. */
export const tableCipher: SivCipher<SivKeys> = {
  keys: cache.get,
  cmac: tableCmac,
  ctr: function (e, q, src, srcOff, dst, dstOff, len) {
    ctrXor(e.ctrRk, e.ctrNr, q, src, srcOff, dst, dstOff, len);
  },
};

/** Scratch for the tag V, the counter Q and the recomputed tag; wiped after each call. */
const tagWords = new Int32Array(4);
const counter = new Int32Array(4);
const tagBytes = new Uint8Array(16);

function wipeScratch(): void {
  tagWords.fill(0);
  counter.fill(0);
  tagBytes.fill(0);
}

/**
 * RFC 5297 §2.6: Q = V ∧ 1^64 0 1^31 0 1^31. Clearing those two bits lets implementations with
 * 32- or 64-bit counter arithmetic ignore carries (§2.5); `ctrXor` carries anyway.
 */
function counterFromTag(): void {
  counter[0] = tagWords[0];
  counter[1] = tagWords[1];
  counter[2] = tagWords[2] & 0x7fffffff;
  counter[3] = tagWords[3] & 0x7fffffff;
}

/** A new output array; a runtime that cannot provide it gets `OutOfMemory`, not a RangeError. */
function allocate(len: number): Uint8Array {
  try {
    return new Uint8Array(len);
  } catch (e) {
    throw e4Error(E4ErrorCode.OutOfMemory, 'AES-SIV: cannot allocate ' + len + ' bytes');
  }
}

/** RFC 5297 §2.6 SIV-ENCRYPT with `cipher`: returns V (16 bytes) ‖ AES-CTR(K2, Q, plaintext). */
export function sivSealWith<K extends S2vKey>(
  cipher: SivCipher<K>,
  sivKey: Uint8Array,
  ads: readonly Uint8Array[],
  plaintext: Uint8Array,
  dst?: Uint8Array,
): Uint8Array {
  const e = cipher.keys(sivKey);
  const len = plaintext.length;
  const out = dst === undefined ? allocate(16 + len) : dst.subarray(0, 16 + len);
  s2vWith(cipher.cmac, e, ads, plaintext, 0, len, tagWords);
  storeBlock(tagWords, out, 0);
  counterFromTag();
  cipher.ctr(e, counter, plaintext, 0, out, 16, len);
  wipeScratch();
  return out;
}

/**
 * RFC 5297 §2.7 SIV-DECRYPT with `cipher` of V at `src[tagOff]` and the `len` bytes of C after
 * it, into `dst[dstOff]`: decrypts, recomputes S2V over the result and compares it with V in
 * constant time. On a mismatch the plaintext is zeroed and false returned, so nothing
 * unauthenticated survives even in memory. Allocates nothing.
 */
export function sivOpenAt<K extends S2vKey>(
  cipher: SivCipher<K>,
  keys: K,
  ads: readonly Uint8Array[],
  src: Uint8Array,
  tagOff: number,
  len: number,
  dst: Uint8Array,
  dstOff: number,
): boolean {
  loadBlock(src, tagOff, tagWords);
  counterFromTag();
  cipher.ctr(keys, counter, src, tagOff + 16, dst, dstOff, len);
  s2vWith(cipher.cmac, keys, ads, dst, dstOff, len, tagWords);
  storeBlock(tagWords, tagBytes, 0);
  // Every byte is read whatever differs first, as in `equalBytes`, but in place in `src`.
  let diff = 0;
  for (let i = 0; i < 16; i++) diff |= tagBytes[i] ^ src[tagOff + i];
  wipeScratch();
  if (diff !== 0) dst.fill(0, dstOff, dstOff + len);
  return diff === 0;
}

/** SIV-DECRYPT of V ‖ C (`sivOpenAt`) into a new array or `dst`; `NotAuthentic` on a mismatch. */
export function sivOpenWith<K extends S2vKey>(
  cipher: SivCipher<K>,
  sivKey: Uint8Array,
  ads: readonly Uint8Array[],
  sealed: Uint8Array,
  dst?: Uint8Array,
): Uint8Array {
  const len = sealed.length - 16;
  const out = dst === undefined ? allocate(len) : dst.subarray(0, len);
  if (!sivOpenAt(cipher, cipher.keys(sivKey), ads, sealed, 0, len, out, 0)) {
    throw e4Error(E4ErrorCode.NotAuthentic, 'AES-SIV: authentication failed');
  }
  return out;
}

/** AES-SIV encryption on the table AES. */
export function sivSeal(sivKey: Uint8Array, ads: readonly Uint8Array[], plaintext: Uint8Array, dst?: Uint8Array): Uint8Array {
  return sivSealWith(tableCipher, sivKey, ads, plaintext, dst);
}

/** AES-SIV decryption on the table AES. */
export function sivOpen(sivKey: Uint8Array, ads: readonly Uint8Array[], sealed: Uint8Array, dst?: Uint8Array): Uint8Array {
  return sivOpenWith(tableCipher, sivKey, ads, sealed, dst);
}

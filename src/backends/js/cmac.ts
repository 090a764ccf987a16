/**
 * AES-CMAC (RFC 4493) and S2V (RFC 5297 §2.4), on blocks held as four big-endian words. S2V is
 * written once, over any CMAC: the table AES's below, or a board's firmware AES
 * (src/embedded/nativeAes.ts).
 */

import { encryptWords, expandKey, loadBlock, MAX_ROUND_KEY_WORDS, storeBlock } from './aes.ts';

/** An expanded CMAC key: the AES schedule and the two subkeys of RFC 4493 §2.3. */
export interface CmacKey {
  rk: Int32Array;
  nr: number;
  k1: Int32Array;
  k2: Int32Array;
}

/**
 * Doubling in GF(2^128) (RFC 5297 §2.3, RFC 4493 §2.3): a one-bit left shift of the 128-bit
 * string, then XOR of 0x87 into the last byte when the bit shifted out was 1. The XOR is masked
 * rather than branched on, since the block is secret. `src` and `dst` may be the same array.
 */
export function dblWords(src: Int32Array, dst: Int32Array): void {
  const w0 = src[0];
  const carry = -(w0 >>> 31) & 0x87;
  dst[0] = (w0 << 1) | (src[1] >>> 31);
  dst[1] = (src[1] << 1) | (src[2] >>> 31);
  dst[2] = (src[2] << 1) | (src[3] >>> 31);
  dst[3] = (src[3] << 1) ^ carry;
}

/** XORs four words into the 16 bytes at `dst[off]`, big-endian. */
export function xorWordsInto(words: Int32Array, dst: Uint8Array, off: number): void {
  for (let i = 0; i < 16; i++) dst[off + i] ^= words[i >>> 2] >>> (24 - 8 * (i & 3));
}

/**
 * AES-CMAC (RFC 4493) under `key` of `len` bytes at `data[off]`, into `out` (four words). With
 * `xorEnd`, those four words are first XORed into the last 16 bytes (S2V's xorend, RFC 5297
 * §2.4; `len` is at least 16 then). The data is left as it was.
 */
export type CmacFunction<K> = (key: K, data: Uint8Array, off: number, len: number, xorEnd: Int32Array | null, out: Int32Array) => void;

/** The 16 zero bytes: <zero> of S2V; never written. */
const zeroBytes = new Uint8Array(16);

/** What S2V keeps with a CMAC key: the start of S2V, which depends only on the key (RFC 5297 §2.4). */
export interface S2vKey {
  /** D = AES-CMAC(K, <zero>). */
  d0: Int32Array;
  /** dbl(D), the value the first associated-data string is XORed with. */
  d1: Int32Array;
}

/** Fills `key.d0` and `key.d1` with `cmac` under `key`. */
export function s2vStartWith<K extends S2vKey>(cmac: CmacFunction<K>, key: K): void {
  cmac(key, zeroBytes, 0, 16, null, key.d0);
  dblWords(key.d0, key.d1);
}

/** Scratch of `s2vWith`, wiped before it returns. */
const acc = new Int32Array(4);
const mac = new Int32Array(4);
const lastBlock = new Uint8Array(16);

/**
 * S2V (RFC 5297 §2.4) with `cmac` under `key` (its start filled by `s2vStartWith`) over the
 * strings `ads`, then the `len` bytes at `msg[off]`, into `out` (four words).
 */
export function s2vWith<K extends S2vKey>(
  cmac: CmacFunction<K>,
  key: K,
  ads: readonly Uint8Array[],
  msg: Uint8Array,
  off: number,
  len: number,
  out: Int32Array,
): void {
  // D = AES-CMAC(K, <zero>); for each S_i but the last, D = dbl(D) ⊕ AES-CMAC(K, S_i).
  acc.set(ads.length === 0 ? key.d0 : key.d1);
  for (let i = 0; i < ads.length; i++) {
    if (i > 0) dblWords(acc, acc);
    cmac(key, ads[i], 0, ads[i].length, null, mac);
    for (let w = 0; w < 4; w++) acc[w] ^= mac[w];
  }
  if (len >= 16) {
    // T = S_n xorend D.
    cmac(key, msg, off, len, acc, out);
  } else {
    // T = dbl(D) ⊕ pad(S_n), one complete block.
    dblWords(acc, acc);
    for (let i = 0; i < len; i++) lastBlock[i] = msg[off + i];
    lastBlock[len] = 0x80;
    xorWordsInto(acc, lastBlock, 0);
    cmac(key, lastBlock, 0, 16, null, out);
  }
  acc.fill(0);
  mac.fill(0);
  lastBlock.fill(0);
}

/** The all-zero block, input of Generate_Subkey; never written. */
const zeroBlock = new Int32Array(4);

/** Scratch of `tableCmac`, wiped before it returns. */
const state = new Int32Array(4);
const last = new Int32Array(4);
const pad = new Uint8Array(16);
const tail = new Uint8Array(32);

/** RFC 4493 §2.3 Generate_Subkey: K1 = dbl(AES(K, 0^128)), K2 = dbl(K1). */
export function cmacSubkeys(rk: Int32Array, nr: number, k1: Int32Array, k2: Int32Array): void {
  encryptWords(rk, nr, zeroBlock, k1);
  dblWords(k1, k1);
  dblWords(k1, k2);
}

/** RFC 4493 §2.4 step 6, for every block but the last: X = AES(K, X ⊕ M_i) over [off, end). */
function absorbBlocks(key: CmacKey, data: Uint8Array, off: number, end: number): void {
  for (let o = off; o < end; o += 16) {
    loadBlock(data, o, last);
    for (let w = 0; w < 4; w++) state[w] ^= last[w];
    encryptWords(key.rk, key.nr, state, state);
  }
}

/**
 * RFC 4493 §2.4 steps 4 and 6, for the last block of `len` (0 to 16) bytes at `data[off]`:
 * a complete block is masked with K1, a partial or empty one padded (10^i) and masked with K2.
 */
function finish(key: CmacKey, data: Uint8Array, off: number, len: number, out: Int32Array): void {
  let sub = key.k1;
  if (len === 16) loadBlock(data, off, last);
  else {
    // Copying through `pad` keeps the padding free of branches on the data.
    pad.fill(0);
    for (let i = 0; i < len; i++) pad[i] = data[off + i];
    pad[len] = 0x80;
    loadBlock(pad, 0, last);
    sub = key.k2;
  }
  for (let w = 0; w < 4; w++) state[w] ^= last[w] ^ sub[w];
  encryptWords(key.rk, key.nr, state, out);
}

/** `CmacFunction` on the table AES. */
export const tableCmac: CmacFunction<CmacKey> = function (key, data, off, len, xorEnd, out) {
  state.fill(0);
  // The last block holds 1 to 16 bytes, or none for the empty message (§2.4 step 3).
  const lastLen = len === 0 ? 0 : ((len - 1) & 15) + 1;
  if (xorEnd === null) {
    absorbBlocks(key, data, off, off + len - lastLen);
    finish(key, data, off + len - lastLen, lastLen, out);
  } else {
    // Only the last 16 bytes change, so the blocks before them are read in place and just the
    // final 16 to 31 bytes are copied into `tail` to take the XOR.
    const tailLen = 16 + (len & 15);
    const head = len - tailLen;
    absorbBlocks(key, data, off, off + head);
    for (let i = 0; i < tailLen; i++) tail[i] = data[off + head + i];
    xorWordsInto(xorEnd, tail, tailLen - 16);
    absorbBlocks(key, tail, 0, tailLen - lastLen);
    finish(key, tail, tailLen - lastLen, lastLen, out);
  }
  state.fill(0);
  last.fill(0);
  pad.fill(0);
  tail.fill(0);
};

/**
 * AES-CMAC (RFC 4493) of `message` under a 16-, 24- or 32-byte key; a new 16-byte array. A
 * building block for tests: its scratch is its own, so a bundle without it allocates none.
 */
export function cmac(key: Uint8Array, message: Uint8Array): Uint8Array {
  const r = MAX_ROUND_KEY_WORDS;
  const words = new Int32Array(r + 12);
  const cmacKey: CmacKey = { rk: words.subarray(0, r), nr: 0, k1: words.subarray(r, r + 4), k2: words.subarray(r + 4, r + 8) };
  const tag = words.subarray(r + 8);
  cmacKey.nr = expandKey(key, 0, key.length, cmacKey.rk);
  cmacSubkeys(cmacKey.rk, cmacKey.nr, cmacKey.k1, cmacKey.k2);
  tableCmac(cmacKey, message, 0, message.length, null, tag);
  const out = new Uint8Array(16);
  storeBlock(tag, out, 0);
  words.fill(0);
  return out;
}

/** Doubling in GF(2^128) (RFC 5297 §2.3) of a 16-byte block; a new array. */
export function dbl(block: Uint8Array): Uint8Array {
  const w = new Int32Array(4);
  loadBlock(block, 0, w);
  dblWords(w, w);
  const out = new Uint8Array(16);
  storeBlock(w, out, 0);
  return out;
}

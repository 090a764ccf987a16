/**
 * AES-CMAC (RFC 4493) and S2V (RFC 5297 §2.4), on blocks held as four big-endian words.
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

/** The all-zero block, input of Generate_Subkey; never written. */
const zeroBlock = new Int32Array(4);

/** Scratch shared by the functions below, wiped before each exported one returns. */
const state = new Int32Array(4);
const last = new Int32Array(4);
const acc = new Int32Array(4);
const mac = new Int32Array(4);
const pad = new Uint8Array(16);
const tail = new Uint8Array(32);

function wipeScratch(): void {
  state.fill(0);
  last.fill(0);
  acc.fill(0);
  mac.fill(0);
  pad.fill(0);
  tail.fill(0);
}

/** RFC 4493 §2.3 Generate_Subkey: K1 = dbl(AES(K, 0^128)), K2 = dbl(K1). */
export function cmacSubkeys(rk: Int32Array, nr: number, k1: Int32Array, k2: Int32Array): void {
  encryptWords(rk, nr, zeroBlock, k1);
  dblWords(k1, k1);
  dblWords(k1, k2);
}

/** RFC 4493 §2.4 step 6, for every block but the last: X = AES(K, X ⊕ M_i) over [off, end). */
function absorbBlocks(key: CmacKey, data: Uint8Array, off: number, end: number): void {
  const rk = key.rk;
  const nr = key.nr;
  for (let o = off; o < end; o += 16) {
    state[0] ^= (data[o] << 24) | (data[o + 1] << 16) | (data[o + 2] << 8) | data[o + 3];
    state[1] ^= (data[o + 4] << 24) | (data[o + 5] << 16) | (data[o + 6] << 8) | data[o + 7];
    state[2] ^= (data[o + 8] << 24) | (data[o + 9] << 16) | (data[o + 10] << 8) | data[o + 11];
    state[3] ^= (data[o + 12] << 24) | (data[o + 13] << 16) | (data[o + 14] << 8) | data[o + 15];
    encryptWords(rk, nr, state, state);
  }
}

/**
 * Loads `len` (0 to 15) bytes from `data[off]` padded per RFC 4493 §2.4 step 4 (10^i) into
 * `last`. Copying through `pad` keeps the padding free of branches on the data.
 */
function loadPadded(data: Uint8Array, off: number, len: number): void {
  pad.fill(0);
  for (let i = 0; i < len; i++) pad[i] = data[off + i];
  pad[len] = 0x80;
  loadBlock(pad, 0, last);
}

/**
 * RFC 4493 §2.4 steps 4 and 6, for the last block of `len` (0 to 16) bytes at `data[off]`:
 * a complete block is masked with K1, a partial or empty one padded and masked with K2.
 */
function finish(key: CmacKey, data: Uint8Array, off: number, len: number, out: Int32Array): void {
  let sub: Int32Array;
  if (len === 16) {
    loadBlock(data, off, last);
    sub = key.k1;
  } else {
    loadPadded(data, off, len);
    sub = key.k2;
  }
  state[0] ^= last[0] ^ sub[0];
  state[1] ^= last[1] ^ sub[1];
  state[2] ^= last[2] ^ sub[2];
  state[3] ^= last[3] ^ sub[3];
  encryptWords(key.rk, key.nr, state, out);
}

/** AES-CMAC (RFC 4493 §2.4) of `len` bytes at `data[off]` into `out`, without wiping scratch. */
function cmacRaw(key: CmacKey, data: Uint8Array, off: number, len: number, out: Int32Array): void {
  state.fill(0);
  // The last block holds 1 to 16 bytes, or none for the empty message (§2.4 step 3).
  const lastLen = len === 0 ? 0 : ((len - 1) & 15) + 1;
  absorbBlocks(key, data, off, off + len - lastLen);
  finish(key, data, off + len - lastLen, lastLen, out);
}

/**
 * The start of S2V that depends only on the key (RFC 5297 §2.4): D = AES-CMAC(K, <zero>) into
 * `d0`, and dbl(D), the value the first associated-data string is XORed with, into `d1`.
 */
export function s2vStart(key: CmacKey, d0: Int32Array, d1: Int32Array): void {
  // <zero> is one complete block, so its CMAC is AES(K, 0^128 ⊕ K1).
  state[0] = key.k1[0];
  state[1] = key.k1[1];
  state[2] = key.k1[2];
  state[3] = key.k1[3];
  encryptWords(key.rk, key.nr, state, d0);
  dblWords(d0, d1);
  wipeScratch();
}

/**
 * S2V (RFC 5297 §2.4) over the strings `ads`, then the `len` bytes at `msg[off]`, into `out`
 * (four words). `d0` and `d1` come from `s2vStart` for the same key.
 */
export function s2v(
  key: CmacKey,
  d0: Int32Array,
  d1: Int32Array,
  ads: readonly Uint8Array[],
  msg: Uint8Array,
  off: number,
  len: number,
  out: Int32Array,
): void {
  // D = AES-CMAC(K, <zero>); for each S_i but the last, D = dbl(D) ⊕ AES-CMAC(K, S_i).
  if (ads.length === 0) {
    acc[0] = d0[0];
    acc[1] = d0[1];
    acc[2] = d0[2];
    acc[3] = d0[3];
  } else {
    acc[0] = d1[0];
    acc[1] = d1[1];
    acc[2] = d1[2];
    acc[3] = d1[3];
    for (let i = 0; i < ads.length; i++) {
      if (i > 0) dblWords(acc, acc);
      const ad = ads[i];
      cmacRaw(key, ad, 0, ad.length, mac);
      acc[0] ^= mac[0];
      acc[1] ^= mac[1];
      acc[2] ^= mac[2];
      acc[3] ^= mac[3];
    }
  }
  if (len >= 16) {
    // T = S_n xorend D. Only the last 16 bytes change, so the blocks before them are read in
    // place and just the final 16 to 31 bytes are copied into `tail` to take the XOR.
    const tailLen = 16 + (len & 15);
    const head = len - tailLen;
    state.fill(0);
    absorbBlocks(key, msg, off, off + head);
    for (let i = 0; i < tailLen; i++) tail[i] = msg[off + head + i];
    const x = tailLen - 16;
    for (let i = 0; i < 16; i++) tail[x + i] ^= acc[i >>> 2] >>> (24 - 8 * (i & 3));
    if (x > 0) {
      // len is not a multiple of 16: a complete block, then the x-byte partial last block.
      absorbBlocks(key, tail, 0, 16);
      finish(key, tail, 16, x, out);
    } else {
      finish(key, tail, 0, 16, out);
    }
  } else {
    // T = dbl(D) ⊕ pad(S_n): one complete block, so its CMAC is AES(K, T ⊕ K1).
    dblWords(acc, acc);
    loadPadded(msg, off, len);
    const k1 = key.k1;
    state[0] = acc[0] ^ last[0] ^ k1[0];
    state[1] = acc[1] ^ last[1] ^ k1[1];
    state[2] = acc[2] ^ last[2] ^ k1[2];
    state[3] = acc[3] ^ last[3] ^ k1[3];
    encryptWords(key.rk, key.nr, state, out);
  }
  wipeScratch();
}

/** Scratch key for the `cmac` building block, wiped after each call. */
const partKey: CmacKey = {
  rk: new Int32Array(MAX_ROUND_KEY_WORDS),
  nr: 0,
  k1: new Int32Array(4),
  k2: new Int32Array(4),
};
const partTag = new Int32Array(4);

/** AES-CMAC (RFC 4493) of `message` under a 16-, 24- or 32-byte key; a new 16-byte array. */
export function cmac(key: Uint8Array, message: Uint8Array): Uint8Array {
  partKey.nr = expandKey(key, 0, key.length, partKey.rk);
  cmacSubkeys(partKey.rk, partKey.nr, partKey.k1, partKey.k2);
  cmacRaw(partKey, message, 0, message.length, partTag);
  const out = new Uint8Array(16);
  storeBlock(partTag, out, 0);
  wipeScratch();
  partKey.rk.fill(0);
  partKey.k1.fill(0);
  partKey.k2.fill(0);
  partTag.fill(0);
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

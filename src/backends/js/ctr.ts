/**
 * AES in counter mode (NIST SP 800-38A §6.5) with a 128-bit big-endian counter, the form
 * AES-SIV uses (RFC 5297 §2.5–2.6).
 */

import { encryptWords, expandKey, loadBlock, MAX_ROUND_KEY_WORDS } from './aes.ts';

/** Counter and keystream block, reused by every call and wiped after it. */
const counter = new Int32Array(4);
const stream = new Int32Array(4);

/**
 * Adds one to a 128-bit big-endian counter block (four words), modulo 2^128 (SP 800-38A
 * Appendix B.1). The counter is public (derived from the SIV tag), so the carry may branch.
 */
export function incrementCounter(counter: Int32Array): void {
  for (let w = 3; w >= 0; w--) {
    counter[w] = (counter[w] + 1) | 0;
    if (counter[w] !== 0) return;
  }
}

/**
 * XORs the AES-CTR keystream under (`rk`, `nr`), starting from the counter block `iv` (four
 * words, left unchanged), into `len` bytes from `src[srcOff]`, written to `dst[dstOff]`.
 * The counter increments as one 128-bit integer modulo 2^128 (SP 800-38A Appendix B.1).
 */
export function ctrXor(
  rk: Int32Array,
  nr: number,
  iv: Int32Array,
  src: Uint8Array,
  srcOff: number,
  dst: Uint8Array,
  dstOff: number,
  len: number,
): void {
  counter.set(iv);
  for (let i = 0; i < len; i += 16) {
    encryptWords(rk, nr, counter, stream);
    // The keystream block's bytes, big-endian; typed-array stores keep the low 8 bits.
    for (let j = 0; j < 16 && i + j < len; j++) {
      dst[dstOff + i + j] = src[srcOff + i + j] ^ (stream[j >>> 2] >>> (24 - 8 * (j & 3)));
    }
    incrementCounter(counter);
  }
  counter.fill(0);
  stream.fill(0);
}

/**
 * AES-CTR of `data` under a 16-, 24- or 32-byte key from the counter block `iv`; a new array.
 * A building block for tests: its scratch is its own, so a bundle without it allocates none.
 */
export function aesCtr(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  const partRk = new Int32Array(MAX_ROUND_KEY_WORDS);
  const partIv = new Int32Array(4);
  const nr = expandKey(key, 0, key.length, partRk);
  loadBlock(iv, 0, partIv);
  const out = new Uint8Array(data.length);
  ctrXor(partRk, nr, partIv, data, 0, out, 0, data.length);
  partRk.fill(0);
  partIv.fill(0);
  return out;
}

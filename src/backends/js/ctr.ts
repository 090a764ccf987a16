/**
 * AES in counter mode (NIST SP 800-38A §6.5) with a 128-bit big-endian counter, the form
 * AES-SIV uses (RFC 5297 §2.5–2.6).
 */

import { encryptWords, expandKey, loadBlock, MAX_ROUND_KEY_WORDS } from './aes.ts';

/** Counter and keystream block, reused by every call and wiped after it. */
const counter = new Int32Array(4);
const stream = new Int32Array(4);

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
  counter[0] = iv[0];
  counter[1] = iv[1];
  counter[2] = iv[2];
  counter[3] = iv[3];
  let i = 0;
  while (i < len) {
    encryptWords(rk, nr, counter, stream);
    const s = srcOff + i;
    const d = dstOff + i;
    if (len - i >= 16) {
      // Typed-array stores keep the low 8 bits, so the shifted words need no mask.
      const k0 = stream[0];
      const k1 = stream[1];
      const k2 = stream[2];
      const k3 = stream[3];
      dst[d] = src[s] ^ (k0 >>> 24);
      dst[d + 1] = src[s + 1] ^ (k0 >>> 16);
      dst[d + 2] = src[s + 2] ^ (k0 >>> 8);
      dst[d + 3] = src[s + 3] ^ k0;
      dst[d + 4] = src[s + 4] ^ (k1 >>> 24);
      dst[d + 5] = src[s + 5] ^ (k1 >>> 16);
      dst[d + 6] = src[s + 6] ^ (k1 >>> 8);
      dst[d + 7] = src[s + 7] ^ k1;
      dst[d + 8] = src[s + 8] ^ (k2 >>> 24);
      dst[d + 9] = src[s + 9] ^ (k2 >>> 16);
      dst[d + 10] = src[s + 10] ^ (k2 >>> 8);
      dst[d + 11] = src[s + 11] ^ k2;
      dst[d + 12] = src[s + 12] ^ (k3 >>> 24);
      dst[d + 13] = src[s + 13] ^ (k3 >>> 16);
      dst[d + 14] = src[s + 14] ^ (k3 >>> 8);
      dst[d + 15] = src[s + 15] ^ k3;
      i += 16;
    } else {
      for (let j = 0; i < len; j++, i++) {
        dst[dstOff + i] = src[srcOff + i] ^ (stream[j >>> 2] >>> (24 - 8 * (j & 3)));
      }
    }
    // The counter is public (derived from the SIV tag), so the carry may branch.
    let w = 3;
    counter[w] = (counter[w] + 1) | 0;
    while (counter[w] === 0 && w > 0) {
      w--;
      counter[w] = (counter[w] + 1) | 0;
    }
  }
  counter.fill(0);
  stream.fill(0);
}

/** Scratch for `aesCtr`: a schedule and the initial counter, wiped after each call. */
const partRk = new Int32Array(MAX_ROUND_KEY_WORDS);
const partIv = new Int32Array(4);

/** AES-CTR of `data` under a 16-, 24- or 32-byte key from the counter block `iv`; a new array. */
export function aesCtr(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  const nr = expandKey(key, 0, key.length, partRk);
  loadBlock(iv, 0, partIv);
  const out = new Uint8Array(data.length);
  ctrXor(partRk, nr, partIv, data, 0, out, 0, data.length);
  partRk.fill(0);
  partIv.fill(0);
  return out;
}

/**
 * AES encryption (FIPS 197) with 32-bit T-tables.
 *
 * A block is held as four big-endian column words (FIPS 197 §3.5), so a round is sixteen table
 * look-ups and XORs on 32-bit integers. Only the forward cipher exists: CTR and CMAC, the two
 * modes AES-SIV is made of, never decrypt a block.
 *
 * Table AES is not constant-time: which table entries a round reads depends on key and data,
 * and cache timing can reveal it. This backend is the fallback for runtimes without
 * WebAssembly; the WASM core is the one to use where that attack matters.
 */

/** FIPS 197 §5.1.1: the S-box, filled by `buildSbox` below. */
const SBOX = new Uint8Array(256);
/** Round tables: T0[a] is the MixColumns column of S(a) in row 0; T1..T3 are its rotations. */
const T0 = new Int32Array(256);
const T1 = new Int32Array(256);
const T2 = new Int32Array(256);
const T3 = new Int32Array(256);

/** Multiplication by x in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1 (FIPS 197 §4.2.1). */
function xtime(b: number): number {
  return ((b << 1) ^ (((b >>> 7) & 1) * 0x1b)) & 0xff;
}

/**
 * FIPS 197 §5.1.1: S(a) is the affine map of a's multiplicative inverse. Walking p over the
 * powers of the generator 3 and q over those of its inverse gives every pair (a, a^-1) without
 * a division routine; q is then put through the affine map.
 */
function buildSbox(): void {
  let p = 1;
  let q = 1;
  do {
    p = p ^ xtime(p);
    q ^= q << 1;
    q ^= q << 2;
    q ^= q << 4;
    q &= 0xff;
    if (q & 0x80) q ^= 0x09;
    const r = q ^ (((q << 1) | (q >>> 7)) & 0xff) ^ (((q << 2) | (q >>> 6)) & 0xff);
    SBOX[p] = r ^ (((q << 3) | (q >>> 5)) & 0xff) ^ (((q << 4) | (q >>> 4)) & 0xff) ^ 0x63;
  } while (p !== 1);
  // 0 has no inverse; FIPS 197 maps it to 0 before the affine step.
  SBOX[0] = 0x63;
}

/** SubBytes, ShiftRows and MixColumns of one byte, precomputed per byte position (FIPS 197 §5.1). */
function buildTables(): void {
  for (let a = 0; a < 256; a++) {
    const s = SBOX[a];
    const s2 = xtime(s);
    const w = (s2 << 24) | (s << 16) | (s << 8) | (s2 ^ s);
    T0[a] = w;
    T1[a] = (w >>> 8) | (w << 24);
    T2[a] = (w >>> 16) | (w << 16);
    T3[a] = (w >>> 24) | (w << 8);
  }
}

buildSbox();
buildTables();

/** Words in an expanded key of the largest size (AES-256: 4 × (14 + 1)). */
export const MAX_ROUND_KEY_WORDS = 60;

/**
 * The S-box on the top byte of `a`, the second of `b`, the third of `c` and the last of `d`:
 * a column of the final round (SubBytes and ShiftRows, FIPS 197 §5.1.1–5.1.2), and with one
 * word four times, SubWord (§5.2).
 */
function subBytes(a: number, b: number, c: number, d: number): number {
  return (SBOX[a >>> 24] << 24) | (SBOX[(b >>> 16) & 0xff] << 16) | (SBOX[(c >>> 8) & 0xff] << 8) | SBOX[d & 0xff];
}

/**
 * KeyExpansion (FIPS 197 §5.2) of the `len` (16, 24 or 32) key bytes at `key[off]` into `rk`,
 * which must hold `MAX_ROUND_KEY_WORDS` words. Returns the round count Nr (10, 12 or 14).
 * Taking an offset lets AES-SIV expand each half of its key without copying it.
 */
export function expandKey(key: Uint8Array, off: number, len: number, rk: Int32Array): number {
  const nk = len >>> 2;
  const nr = nk + 6;
  const total = 4 * (nr + 1);
  for (let i = 0; i < nk; i++) {
    const o = off + 4 * i;
    rk[i] = (key[o] << 24) | (key[o + 1] << 16) | (key[o + 2] << 8) | key[o + 3];
  }
  let rcon = 1;
  for (let i = nk; i < total; i++) {
    let t = rk[i - 1];
    if (i % nk === 0) {
      t = (t << 8) | (t >>> 24);
      t = subBytes(t, t, t, t) ^ (rcon << 24);
      rcon = xtime(rcon);
    } else if (nk > 6 && i % nk === 4) {
      t = subBytes(t, t, t, t);
    }
    rk[i] = rk[i - nk] ^ t;
  }
  return nr;
}

/**
 * Cipher (FIPS 197 §5.1) of the block in `src` (four words) into `dst`; the two may be the same
 * array. Nr − 1 table rounds, then a final round without MixColumns from the S-box.
 */
export function encryptWords(rk: Int32Array, nr: number, src: Int32Array, dst: Int32Array): void {
  let s0 = src[0] ^ rk[0];
  let s1 = src[1] ^ rk[1];
  let s2 = src[2] ^ rk[2];
  let s3 = src[3] ^ rk[3];
  let k = 4;
  for (let r = 1; r < nr; r++) {
    const t0 = T0[s0 >>> 24] ^ T1[(s1 >>> 16) & 0xff] ^ T2[(s2 >>> 8) & 0xff] ^ T3[s3 & 0xff] ^ rk[k];
    const t1 = T0[s1 >>> 24] ^ T1[(s2 >>> 16) & 0xff] ^ T2[(s3 >>> 8) & 0xff] ^ T3[s0 & 0xff] ^ rk[k + 1];
    const t2 = T0[s2 >>> 24] ^ T1[(s3 >>> 16) & 0xff] ^ T2[(s0 >>> 8) & 0xff] ^ T3[s1 & 0xff] ^ rk[k + 2];
    s3 = T0[s3 >>> 24] ^ T1[(s0 >>> 16) & 0xff] ^ T2[(s1 >>> 8) & 0xff] ^ T3[s2 & 0xff] ^ rk[k + 3];
    s0 = t0;
    s1 = t1;
    s2 = t2;
    k += 4;
  }
  dst[0] = subBytes(s0, s1, s2, s3) ^ rk[k];
  dst[1] = subBytes(s1, s2, s3, s0) ^ rk[k + 1];
  dst[2] = subBytes(s2, s3, s0, s1) ^ rk[k + 2];
  dst[3] = subBytes(s3, s0, s1, s2) ^ rk[k + 3];
}

/** Reads the 16 bytes at `src[off]` as four big-endian words (FIPS 197 §3.5). */
export function loadBlock(src: Uint8Array, off: number, dst: Int32Array): void {
  for (let i = 0; i < 4; i++) {
    const o = off + 4 * i;
    dst[i] = (src[o] << 24) | (src[o + 1] << 16) | (src[o + 2] << 8) | src[o + 3];
  }
}

/** Writes four words as 16 big-endian bytes at `dst[off]`; typed-array stores keep the low byte. */
export function storeBlock(src: Int32Array, dst: Uint8Array, off: number): void {
  for (let i = 0; i < 4; i++) {
    const w = src[i];
    const o = off + 4 * i;
    dst[o] = w >>> 24;
    dst[o + 1] = w >>> 16;
    dst[o + 2] = w >>> 8;
    dst[o + 3] = w;
  }
}

/** One AES block under a 16-, 24- or 32-byte key; a new array (its scratch is wiped). */
export function aesEncryptBlock(key: Uint8Array, block: Uint8Array): Uint8Array {
  const partRk = new Int32Array(MAX_ROUND_KEY_WORDS);
  const partBlock = new Int32Array(4);
  const nr = expandKey(key, 0, key.length, partRk);
  loadBlock(block, 0, partBlock);
  encryptWords(partRk, nr, partBlock, partBlock);
  const out = new Uint8Array(16);
  storeBlock(partBlock, out, 0);
  partRk.fill(0);
  partBlock.fill(0);
  return out;
}

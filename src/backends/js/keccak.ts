/**
 * Keccak-f[1600] and SHA3-256 (FIPS 202).
 *
 * A 64-bit lane is held as two 32-bit halves, lane i at [2i] (low) and [2i + 1] (high), so the
 * permutation needs neither BigInt nor 64-bit integers, which ES5 runtimes lack.
 */

/** FIPS 202 §3.2.5 round constants RC[0..23], as (low, high) 32-bit pairs, filled below. */
const RC = new Uint32Array(48);

/**
 * FIPS 202 Algorithm 6: bit 2^j − 1 of RC[i] is rc(j + 7i), the output of the LFSR of
 * Algorithm 5 (x^8 + x^6 + x^5 + x^4 + 1), which is stepped once per bit in that order.
 */
function buildRoundConstants(): void {
  let r = 1;
  for (let t = 0; t < 24 * 7; t++) {
    if (r & 1) {
      const bit = (1 << (t % 7)) - 1;
      RC[2 * ((t / 7) | 0) + (bit >>> 5)] |= 1 << (bit & 31);
    }
    r = r & 0x80 ? (r << 1) ^ 0x171 : r << 1;
  }
}

buildRoundConstants();

/**
 * ρ and π (FIPS 202 §3.2.2–3.2.3) as one cycle through the 24 lanes other than (0, 0): step t
 * moves the lane it carries to `PI_LANE[t]`, rotated left by `RHO_OFFSET[t]` = (t+1)(t+2)/2 mod 64.
 * No offset is 0 or 32, so every rotation below shifts by 1 to 31 bits.
 */
const PI_LANE = new Uint8Array([10, 7, 11, 17, 18, 3, 5, 16, 8, 21, 24, 4, 15, 23, 19, 13, 12, 2, 20, 14, 22, 9, 6, 1]);
const RHO_OFFSET = new Uint8Array([1, 3, 6, 10, 15, 21, 28, 36, 45, 55, 2, 14, 27, 41, 56, 8, 25, 43, 62, 18, 39, 61, 20, 44]);

/** Column parities for θ, reused by every call. */
const parity = new Uint32Array(10);

/** Keccak-f[1600] = Keccak-p[1600, 24] (FIPS 202 §3.3–3.4): 24 rounds of θ, ρ, π, χ, ι on the 50-word state `s`. */
export function keccakF1600(s: Uint32Array): void {
  for (let round = 0; round < 24; round++) {
    // θ: XOR into each lane the parities of the columns on either side, the right one rotated by 1.
    for (let x = 0; x < 10; x++) parity[x] = s[x] ^ s[x + 10] ^ s[x + 20] ^ s[x + 30] ^ s[x + 40];
    for (let x = 0; x < 10; x += 2) {
      const left = (x + 8) % 10;
      const right = (x + 2) % 10;
      const rl = parity[right];
      const rh = parity[right + 1];
      const dl = parity[left] ^ ((rl << 1) | (rh >>> 31));
      const dh = parity[left + 1] ^ ((rh << 1) | (rl >>> 31));
      for (let y = 0; y < 50; y += 10) {
        s[x + y] ^= dl;
        s[x + y + 1] ^= dh;
      }
    }
    // ρ and π together.
    let cl = s[2];
    let ch = s[3];
    for (let t = 0; t < 24; t++) {
      const j = 2 * PI_LANE[t];
      const n = RHO_OFFSET[t];
      const tl = s[j];
      const th = s[j + 1];
      if (n < 32) {
        s[j] = (cl << n) | (ch >>> (32 - n));
        s[j + 1] = (ch << n) | (cl >>> (32 - n));
      } else {
        const m = n - 32;
        s[j] = (ch << m) | (cl >>> (32 - m));
        s[j + 1] = (cl << m) | (ch >>> (32 - m));
      }
      cl = tl;
      ch = th;
    }
    // χ: each lane XORs in (NOT next) AND next-but-one along its row.
    for (let y = 0; y < 50; y += 10) {
      const a0 = s[y];
      const a1 = s[y + 1];
      const a2 = s[y + 2];
      const a3 = s[y + 3];
      const a4 = s[y + 4];
      const a5 = s[y + 5];
      const a6 = s[y + 6];
      const a7 = s[y + 7];
      const a8 = s[y + 8];
      const a9 = s[y + 9];
      s[y] = a0 ^ (~a2 & a4);
      s[y + 1] = a1 ^ (~a3 & a5);
      s[y + 2] = a2 ^ (~a4 & a6);
      s[y + 3] = a3 ^ (~a5 & a7);
      s[y + 4] = a4 ^ (~a6 & a8);
      s[y + 5] = a5 ^ (~a7 & a9);
      s[y + 6] = a6 ^ (~a8 & a0);
      s[y + 7] = a7 ^ (~a9 & a1);
      s[y + 8] = a8 ^ (~a0 & a2);
      s[y + 9] = a9 ^ (~a1 & a3);
    }
    // ι
    s[0] ^= RC[2 * round];
    s[1] ^= RC[2 * round + 1];
  }
  parity.fill(0);
}

/** SHA3-256 rate: 1600 − 2 × 256 bits = 136 bytes = 17 lanes (FIPS 202 §6.1). */
const RATE = 136;
const state = new Uint32Array(50);
const block = new Uint8Array(RATE);

/** XORs the 136-byte block at `src[off]` into the rate lanes, little-endian (FIPS 202 §B.1). */
function absorb(src: Uint8Array, off: number): void {
  for (let i = 0; i < RATE / 4; i++) {
    const o = off + 4 * i;
    state[i] ^= src[o] | (src[o + 1] << 8) | (src[o + 2] << 16) | (src[o + 3] << 24);
  }
  keccakF1600(state);
}

/** SHA3-256 (FIPS 202 §6.1): the sponge over Keccak-f[1600], a new 32-byte array. */
export function sha3_256(data: Uint8Array): Uint8Array {
  const full = data.length - (data.length % RATE);
  for (let off = 0; off < full; off += RATE) absorb(data, off);
  // pad10*1 after the SHA-3 domain bits 01 (FIPS 202 §5.1, §6.1): 0x06 first, 0x80 last.
  const rest = data.length - full;
  block.fill(0);
  for (let i = 0; i < rest; i++) block[i] = data[full + i];
  block[rest] ^= 0x06;
  block[RATE - 1] ^= 0x80;
  absorb(block, 0);
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = state[i >>> 2] >>> (8 * (i & 3));
  state.fill(0);
  block.fill(0);
  return out;
}

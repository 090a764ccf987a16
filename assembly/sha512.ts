/**
 * SHA-512 (FIPS 180-4 §6.4), streaming over static state.
 *
 * Ed25519 hashes a prefix that is not beside the message in memory (the nonce key before the
 * message, then R ‖ A before it, RFC 8032 §5.1.6), so the hash takes its input in pieces:
 * `sha512Init`, any number of `sha512Update`, `sha512Final`. There is one state, so one hash at a
 * time. `sha512Final` zeroes every byte that held message data or chaining values: the inputs
 * here include seeds and nonce keys.
 *
 * Message words are big-endian (FIPS 180-4 §3.1); WebAssembly loads little-endian words, so each
 * word is a byte-swapped native load (bytes.ts).
 */

import { loadBe64, storeBe64, wipe } from "./bytes";

export const SHA512_DIGEST_LEN: u32 = 64;
const BLOCK_BYTES: u32 = 128;
/** Where the 128-bit big-endian message length starts in the last block (FIPS 180-4 §5.1.2). */
const LENGTH_FIELD: u32 = 112;

/** K{512} (FIPS 180-4 §4.2.3): the first 64 bits of the fractional parts of the cube roots of the first 80 primes. */
// @ts-ignore: decorator
@lazy const K = memory.data<u64>([
  0x428a2f98d728ae22, 0x7137449123ef65cd, 0xb5c0fbcfec4d3b2f, 0xe9b5dba58189dbbc,
  0x3956c25bf348b538, 0x59f111f1b605d019, 0x923f82a4af194f9b, 0xab1c5ed5da6d8118,
  0xd807aa98a3030242, 0x12835b0145706fbe, 0x243185be4ee4b28c, 0x550c7dc3d5ffb4e2,
  0x72be5d74f27b896f, 0x80deb1fe3b1696b1, 0x9bdc06a725c71235, 0xc19bf174cf692694,
  0xe49b69c19ef14ad2, 0xefbe4786384f25e3, 0x0fc19dc68b8cd5b5, 0x240ca1cc77ac9c65,
  0x2de92c6f592b0275, 0x4a7484aa6ea6e483, 0x5cb0a9dcbd41fbd4, 0x76f988da831153b5,
  0x983e5152ee66dfab, 0xa831c66d2db43210, 0xb00327c898fb213f, 0xbf597fc7beef0ee4,
  0xc6e00bf33da88fc2, 0xd5a79147930aa725, 0x06ca6351e003826f, 0x142929670a0e6e70,
  0x27b70a8546d22ffc, 0x2e1b21385c26c926, 0x4d2c6dfc5ac42aed, 0x53380d139d95b3df,
  0x650a73548baf63de, 0x766a0abb3c77b2a8, 0x81c2c92e47edaee6, 0x92722c851482353b,
  0xa2bfe8a14cf10364, 0xa81a664bbc423001, 0xc24b8b70d0f89791, 0xc76c51a30654be30,
  0xd192e819d6ef5218, 0xd69906245565a910, 0xf40e35855771202a, 0x106aa07032bbd1b8,
  0x19a4c116b8d2d0c8, 0x1e376c085141ab53, 0x2748774cdf8eeb99, 0x34b0bcb5e19b48a8,
  0x391c0cb3c5c95a63, 0x4ed8aa4ae3418acb, 0x5b9cca4f7763e373, 0x682e6ff3d6b2b8a3,
  0x748f82ee5defb2fc, 0x78a5636f43172f60, 0x84c87814a1f0ab72, 0x8cc702081a6439ec,
  0x90befffa23631e28, 0xa4506cebde82bde9, 0xbef9a3f7b2c67915, 0xc67178f2e372532b,
  0xca273eceea26619c, 0xd186b8c721c0c207, 0xeada7dd6cde0eb1e, 0xf57d4f7fee6ed178,
  0x06f067aa72176fba, 0x0a637dc5a2c898a6, 0x113f9804bef90dae, 0x1b710b35131c471b,
  0x28db77f523047d84, 0x32caab7b40c72493, 0x3c9ebe0a15c9bebc, 0x431d67c49c100d4c,
  0x4cc5d4becb3e42b6, 0x597f299cfc657e2a, 0x5fcb6fab3ad6faec, 0x6c44198c4a475817,
], 8);

/** H(0) for SHA-512 (FIPS 180-4 §5.3.5). */
// @ts-ignore: decorator
@lazy const INITIAL_HASH = memory.data<u64>([
  0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b, 0xa54ff53a5f1d36f1,
  0x510e527fade682d1, 0x9b05688c2b3e6c1f, 0x1f83d9abfb41bd6b, 0x5be0cd19137e2179,
], 8);

/** The eight chaining words H0..H7, native u64s. */
const STATE = memory.data(64, 8);
/** The partial block awaiting more input. */
const BUFFER = memory.data(<i32>BLOCK_BYTES, 8);
/** The message schedule W0..W79 of one block (FIPS 180-4 §6.4.2 step 1). */
const SCHEDULE = memory.data(80 * 8, 8);

let bufferedLen: u32 = 0;
let totalLen: u64 = 0;

// FIPS 180-4 §4.1.3, the SHA-512 functions.
// @ts-ignore: decorator
@inline function bigSigma0(x: u64): u64 {
  return rotr<u64>(x, 28) ^ rotr<u64>(x, 34) ^ rotr<u64>(x, 39);
}
// @ts-ignore: decorator
@inline function bigSigma1(x: u64): u64 {
  return rotr<u64>(x, 14) ^ rotr<u64>(x, 18) ^ rotr<u64>(x, 41);
}
// @ts-ignore: decorator
@inline function smallSigma0(x: u64): u64 {
  return rotr<u64>(x, 1) ^ rotr<u64>(x, 8) ^ (x >> 7);
}
// @ts-ignore: decorator
@inline function smallSigma1(x: u64): u64 {
  return rotr<u64>(x, 19) ^ rotr<u64>(x, 61) ^ (x >> 6);
}

/** Processes the 128-byte block at `blockPtr` (FIPS 180-4 §6.4.2). */
function compress(blockPtr: usize): void {
  for (let t: usize = 0; t < 16; t++) {
    store<u64>(SCHEDULE + (t << 3), loadBe64(blockPtr + (t << 3)));
  }
  for (let t: usize = 16; t < 80; t++) {
    const w = SCHEDULE + (t << 3);
    store<u64>(w, smallSigma1(load<u64>(w - 16)) + load<u64>(w - 56) + smallSigma0(load<u64>(w - 120)) + load<u64>(w - 128));
  }
  let a = load<u64>(STATE, 0);
  let b = load<u64>(STATE, 8);
  let c = load<u64>(STATE, 16);
  let d = load<u64>(STATE, 24);
  let e = load<u64>(STATE, 32);
  let f = load<u64>(STATE, 40);
  let g = load<u64>(STATE, 48);
  let h = load<u64>(STATE, 56);
  for (let t: usize = 0; t < 80; t++) {
    const t1 = h + bigSigma1(e) + ((e & f) ^ (~e & g)) + load<u64>(K + (t << 3)) + load<u64>(SCHEDULE + (t << 3));
    const t2 = bigSigma0(a) + ((a & b) ^ (a & c) ^ (b & c));
    h = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  store<u64>(STATE, load<u64>(STATE, 0) + a, 0);
  store<u64>(STATE, load<u64>(STATE, 8) + b, 8);
  store<u64>(STATE, load<u64>(STATE, 16) + c, 16);
  store<u64>(STATE, load<u64>(STATE, 24) + d, 24);
  store<u64>(STATE, load<u64>(STATE, 32) + e, 32);
  store<u64>(STATE, load<u64>(STATE, 40) + f, 40);
  store<u64>(STATE, load<u64>(STATE, 48) + g, 48);
  store<u64>(STATE, load<u64>(STATE, 56) + h, 56);
}

/** Starts a new hash, discarding any unfinished one. */
export function sha512Init(): void {
  memory.copy(STATE, INITIAL_HASH, 64);
  bufferedLen = 0;
  totalLen = 0;
}

/** Hashes `len` more bytes from `ptr`. */
export function sha512Update(ptr: usize, len: u32): void {
  totalLen += <u64>len;
  let remaining = len;
  if (bufferedLen > 0) {
    const room = BLOCK_BYTES - bufferedLen;
    const take = remaining < room ? remaining : room;
    memory.copy(BUFFER + bufferedLen, ptr, take);
    bufferedLen += take;
    ptr += take;
    remaining -= take;
    if (bufferedLen < BLOCK_BYTES) return;
    compress(BUFFER);
    bufferedLen = 0;
  }
  while (remaining >= BLOCK_BYTES) {
    compress(ptr);
    ptr += BLOCK_BYTES;
    remaining -= BLOCK_BYTES;
  }
  if (remaining > 0) {
    memory.copy(BUFFER, ptr, remaining);
    bufferedLen = remaining;
  }
}

/**
 * Pads (FIPS 180-4 §5.1.2: a 1 bit, zeros, the 128-bit bit length), writes the 64-byte digest at
 * `outPtr` and zeroes the state, the buffer and the schedule.
 */
export function sha512Final(outPtr: usize): void {
  store<u8>(BUFFER + bufferedLen, 0x80);
  bufferedLen++;
  if (bufferedLen > LENGTH_FIELD) {
    memory.fill(BUFFER + bufferedLen, 0, BLOCK_BYTES - bufferedLen);
    compress(BUFFER);
    bufferedLen = 0;
  }
  // The length is below 2^32 bytes here, so the high 64 bits of the 128-bit field are zero.
  memory.fill(BUFFER + bufferedLen, 0, BLOCK_BYTES - 8 - bufferedLen);
  storeBe64(BUFFER + BLOCK_BYTES - 8, totalLen << 3);
  compress(BUFFER);
  for (let i: usize = 0; i < 8; i++) {
    storeBe64(outPtr + (i << 3), load<u64>(STATE + (i << 3)));
  }
  wipeSha512();
}

/** SHA-512 of `len` bytes at `ptr`, written at `outPtr` (which may overlap the input). */
export function sha512(ptr: usize, len: u32, outPtr: usize): void {
  sha512Init();
  sha512Update(ptr, len);
  sha512Final(outPtr);
}

/** Zeroes the chaining value, the buffered input and the schedule. */
export function wipeSha512(): void {
  wipe(STATE, 64);
  wipe(BUFFER, BLOCK_BYTES);
  wipe(SCHEDULE, 80 * 8);
  bufferedLen = 0;
  totalLen = 0;
}

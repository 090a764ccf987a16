// BLAKE2b (RFC 7693) without a key, and Argon2's variable-length hash H'
// (RFC 9106 §3.3).
//
// Argon2 hashes little data with BLAKE2b: H0 (RFC 9106 §3.2), two 1 KiB blocks
// per lane and the tag. The code favours clarity over speed: the working
// vector lives in a static scratch area and G reads and writes it in place.
// All state is static memory (no allocation at run time); `blake2bFinal`
// clears every byte that held message data or chaining values, because the
// messages here are the password and the Argon2 blocks.

// RFC 7693 §2.6: IV[i], the SHA-512 initial hash value.
const IV = memory.data<u64>([
  0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b, 0xa54ff53a5f1d36f1,
  0x510e527fade682d1, 0x9b05688c2b3e6c1f, 0x1f83d9abfb41bd6b, 0x5be0cd19137e2179,
], 8);

// RFC 7693 §2.7: the message schedule σ for the 12 rounds (round r uses
// σ[r mod 10]), stored as byte offsets (index · 8) into the message block so
// that G loads a word with one addition.
const SIGMA = memory.data<u8>([
  0, 8, 16, 24, 32, 40, 48, 56, 64, 72, 80, 88, 96, 104, 112, 120,
  112, 80, 32, 64, 72, 120, 104, 48, 8, 96, 0, 16, 88, 56, 40, 24,
  88, 64, 96, 0, 40, 16, 120, 104, 80, 112, 24, 48, 56, 8, 72, 32,
  56, 72, 24, 8, 104, 96, 88, 112, 16, 48, 40, 80, 32, 0, 120, 64,
  72, 0, 40, 56, 16, 32, 80, 120, 112, 8, 88, 96, 48, 64, 24, 104,
  16, 96, 48, 80, 0, 88, 64, 24, 32, 104, 56, 40, 120, 112, 8, 72,
  96, 40, 8, 120, 112, 104, 32, 80, 0, 56, 48, 24, 72, 16, 64, 88,
  104, 88, 56, 112, 96, 8, 24, 72, 40, 0, 120, 32, 64, 48, 16, 80,
  48, 120, 112, 72, 88, 24, 0, 64, 96, 16, 104, 56, 8, 32, 80, 40,
  80, 16, 64, 32, 56, 48, 8, 40, 120, 88, 72, 112, 24, 96, 104, 0,
  0, 8, 16, 24, 32, 40, 48, 56, 64, 72, 80, 88, 96, 104, 112, 120,
  112, 80, 32, 64, 72, 120, 104, 48, 8, 96, 0, 16, 88, 56, 40, 24,
]);

const BLOCK_BYTES: u32 = 128;
const MAX_OUT_BYTES: u32 = 64;

// Chaining value h[0..7] (RFC 7693 §3.2).
const H = memory.data(64, 8);
// Working vector v[0..15] of the compression function F.
const V = memory.data(128, 8);
// Message block being filled; F runs on it only once it is known whether it
// is the last block (its flag f changes the result).
const BUF = memory.data(BLOCK_BYTES, 8);
// Chaining value V_i of H' (RFC 9106 §3.3) between BLAKE2b invocations.
const HPRIME_V = memory.data(64, 8);
// Little-endian length prefix LE32(x) fed in front of messages.
const LE32_SCRATCH = memory.data(4, 4);

// Bytes compressed so far: the counter t of RFC 7693 §3.2. Messages here are
// far below 2^64 bytes, so the high word of the 128-bit counter stays zero.
let counter: u64 = 0;
let bufLen: u32 = 0;
let digestLen: u32 = 0;

// @ts-ignore: decorator
@inline
function mix(a: usize, b: usize, c: usize, d: usize, xOffset: u32, yOffset: u32): void {
  // RFC 7693 §3.1: the mixing function G on v[a], v[b], v[c], v[d] with the
  // message words x and y; rotation constants R1..R4 = 32, 24, 16, 63.
  let va = load<u64>(V + a);
  let vb = load<u64>(V + b);
  let vc = load<u64>(V + c);
  let vd = load<u64>(V + d);
  va = va + vb + load<u64>(BUF + <usize>xOffset);
  vd = rotr<u64>(vd ^ va, 32);
  vc = vc + vd;
  vb = rotr<u64>(vb ^ vc, 24);
  va = va + vb + load<u64>(BUF + <usize>yOffset);
  vd = rotr<u64>(vd ^ va, 16);
  vc = vc + vd;
  vb = rotr<u64>(vb ^ vc, 63);
  store<u64>(V + a, va);
  store<u64>(V + b, vb);
  store<u64>(V + c, vc);
  store<u64>(V + d, vd);
}

function compress(last: bool): void {
  // RFC 7693 §3.2: F(h, m, t, f).
  for (let i: usize = 0; i < 64; i += 8) {
    store<u64>(V + i, load<u64>(H + i));
    store<u64>(V + 64 + i, load<u64>(IV + i));
  }
  store<u64>(V + 96, load<u64>(V + 96) ^ counter);
  if (last) store<u64>(V + 112, ~load<u64>(V + 112));
  for (let r: usize = 0; r < 12; r++) {
    const s = SIGMA + (r << 4);
    mix(0, 32, 64, 96, load<u8>(s, 0), load<u8>(s, 1));
    mix(8, 40, 72, 104, load<u8>(s, 2), load<u8>(s, 3));
    mix(16, 48, 80, 112, load<u8>(s, 4), load<u8>(s, 5));
    mix(24, 56, 88, 120, load<u8>(s, 6), load<u8>(s, 7));
    mix(0, 40, 80, 120, load<u8>(s, 8), load<u8>(s, 9));
    mix(8, 48, 88, 96, load<u8>(s, 10), load<u8>(s, 11));
    mix(16, 56, 64, 104, load<u8>(s, 12), load<u8>(s, 13));
    mix(24, 32, 72, 112, load<u8>(s, 14), load<u8>(s, 15));
  }
  for (let i: usize = 0; i < 64; i += 8) {
    store<u64>(H + i, load<u64>(H + i) ^ load<u64>(V + i) ^ load<u64>(V + 64 + i));
  }
}

/** Starts an unkeyed BLAKE2b computation with an outLen-byte digest (1..64). */
export function blake2bInit(outLen: u32): void {
  for (let i: usize = 0; i < 64; i += 8) store<u64>(H + i, load<u64>(IV + i));
  // RFC 7693 §2.5 parameter block: digest length, key length 0, fanout 1,
  // depth 1; the other fields are zero for sequential unkeyed hashing.
  store<u64>(H, load<u64>(H) ^ (0x01010000 | <u64>outLen));
  counter = 0;
  bufLen = 0;
  digestLen = outLen;
}

/** Absorbs len bytes at ptr. */
export function blake2bUpdate(ptr: usize, len: u32): void {
  while (len > 0) {
    // The buffered block is compressed only when more input follows, since
    // the last block must be compressed with the final-block flag.
    if (bufLen == BLOCK_BYTES) {
      counter += BLOCK_BYTES;
      compress(false);
      bufLen = 0;
    }
    let take = BLOCK_BYTES - bufLen;
    if (take > len) take = len;
    memory.copy(BUF + bufLen, ptr, take);
    bufLen += take;
    ptr += take;
    len -= take;
  }
}

/** Absorbs LE32(x), the length and parameter encoding of RFC 9106 §3.2. */
export function blake2bUpdateLE32(x: u32): void {
  store<u32>(LE32_SCRATCH, x);
  blake2bUpdate(LE32_SCRATCH, 4);
}

/** Writes the digest to outPtr and clears all state that held message data. */
export function blake2bFinal(outPtr: usize): void {
  counter += bufLen;
  // RFC 7693 §3.3: the last block is padded with zeros.
  memory.fill(BUF + bufLen, 0, BLOCK_BYTES - bufLen);
  compress(true);
  memory.copy(outPtr, H, digestLen);
  memory.fill(H, 0, 64);
  memory.fill(V, 0, 128);
  memory.fill(BUF, 0, BLOCK_BYTES);
}

/**
 * H'^T(A) of RFC 9106 §3.3: outLen (≥ 1) bytes at outPtr from the inLen-byte
 * input at inPtr. The output may not overlap the input.
 */
export function hPrime(outPtr: usize, outLen: u32, inPtr: usize, inLen: u32): void {
  if (outLen <= MAX_OUT_BYTES) {
    blake2bInit(outLen);
    blake2bUpdateLE32(outLen);
    blake2bUpdate(inPtr, inLen);
    blake2bFinal(outPtr);
    return;
  }
  // V_1 = H^64(LE32(T) ‖ A); each V_i contributes its first 32 bytes W_i,
  // and the last one, V_{r+1} = H^{T−32r}(V_r), is taken whole.
  blake2bInit(MAX_OUT_BYTES);
  blake2bUpdateLE32(outLen);
  blake2bUpdate(inPtr, inLen);
  blake2bFinal(HPRIME_V);
  memory.copy(outPtr, HPRIME_V, 32);
  outPtr += 32;
  let remaining = outLen - 32;
  while (remaining > MAX_OUT_BYTES) {
    blake2bInit(MAX_OUT_BYTES);
    blake2bUpdate(HPRIME_V, MAX_OUT_BYTES);
    blake2bFinal(HPRIME_V);
    memory.copy(outPtr, HPRIME_V, 32);
    outPtr += 32;
    remaining -= 32;
  }
  blake2bInit(remaining);
  blake2bUpdate(HPRIME_V, MAX_OUT_BYTES);
  blake2bFinal(outPtr);
  memory.fill(HPRIME_V, 0, MAX_OUT_BYTES);
}

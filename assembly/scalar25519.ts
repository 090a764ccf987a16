/**
 * Scalars modulo L = 2^252 + 27742317777372353535851937790883648493, the order of the Ed25519
 * base point (RFC 8032 §5.1): reduction of a 64-byte SHA-512 digest (§5.1.6 steps 2 and 4,
 * §5.1.7 step 2), S = r + k·s (§5.1.6 step 5), and the S < L check of verification (§5.1.7
 * step 1).
 *
 * Values are held as signed 21-bit limbs in i64s (ref10's sc_reduce and sc_muladd, whose step
 * order and bounds this keeps): 2^252 ≡ −(L − 2^252) (mod L), so a limb at position i ≥ 12 (its
 * weight 2^(21·i) with 21·12 = 252) folds into positions i − 12 … i − 7 with the six 21-bit
 * limbs of L − 2^252, negated. Every loop bound is a constant and no branch depends on a limb,
 * so signing scalars take the same time whatever their value.
 *
 * Scratch: LIMBS (24 limbs), zeroed by `wipeScalarScratch`.
 */

const LIMB_COUNT: usize = 24;
const LIMB_MASK: i64 = (1 << 21) - 1;
const LIMBS = memory.data(<i32>LIMB_COUNT * 8, 8);
const SCALAR_A = memory.data(12 * 8, 8);
const SCALAR_B = memory.data(12 * 8, 8);

/** L in 32 little-endian bytes, as four u64 words, most significant last. */
// @ts-ignore: decorator
@lazy const ORDER = memory.data<u64>([0x5812631a5cf5d3ed, 0x14def9dea2f79cd6, 0, 0x1000000000000000], 8);

// @ts-ignore: decorator
@inline function at(limbs: usize, i: usize): usize {
  return limbs + (i << 3);
}

/**
 * Limb i (bits 21·i … 21·i + 20) of the `len`-byte little-endian number at `ptr`; the top limb
 * (`last`) keeps every bit above 21·i. Reads only bytes below `len`.
 */
function loadLimb(ptr: usize, len: usize, i: usize, last: bool): i64 {
  const bit: usize = 21 * i;
  const first: usize = bit >> 3;
  let window: i64 = 0;
  for (let k: usize = 0; k < 4 && first + k < len; k++) {
    window |= <i64>load<u8>(ptr + first + k) << (<i64>k << 3);
  }
  window >>= <i64>(bit & 7);
  return last ? window : window & LIMB_MASK;
}

function loadLimbs(limbs: usize, ptr: usize, len: usize, count: usize): void {
  for (let i: usize = 0; i < count; i++) {
    store<i64>(at(limbs, i), loadLimb(ptr, len, i, i == count - 1));
  }
}

/** Folds limb i (≥ 12) into limbs i − 12 … i − 7, by 2^252 ≡ −(L − 2^252) (mod L). */
function fold(s: usize, i: usize): void {
  const v = load<i64>(at(s, i));
  store<i64>(at(s, i - 12), load<i64>(at(s, i - 12)) + v * 666643);
  store<i64>(at(s, i - 11), load<i64>(at(s, i - 11)) + v * 470296);
  store<i64>(at(s, i - 10), load<i64>(at(s, i - 10)) + v * 654183);
  store<i64>(at(s, i - 9), load<i64>(at(s, i - 9)) - v * 997805);
  store<i64>(at(s, i - 8), load<i64>(at(s, i - 8)) + v * 136657);
  store<i64>(at(s, i - 7), load<i64>(at(s, i - 7)) - v * 683901);
  store<i64>(at(s, i), 0);
}

/** Carries limb i into limb i + 1, rounding to nearest (limb i ends in [−2^20, 2^20)). */
function carryRound(s: usize, i: usize): void {
  const v = load<i64>(at(s, i));
  const c = (v + (1 << 20)) >> 21;
  store<i64>(at(s, i + 1), load<i64>(at(s, i + 1)) + c);
  store<i64>(at(s, i), v - (c << 21));
}

/** Carries limb i into limb i + 1, rounding down (limb i ends in [0, 2^21)). */
function carryFloor(s: usize, i: usize): void {
  const v = load<i64>(at(s, i));
  const c = v >> 21;
  store<i64>(at(s, i + 1), load<i64>(at(s, i + 1)) + c);
  store<i64>(at(s, i), v - (c << 21));
}

/**
 * Reduces the 24 limbs at LIMBS (limbs 0–22 within ±2^21·2^k of ref10's bounds, limb 23 below
 * 2^29) mod L and writes the canonical 32 bytes at `outPtr`.
 */
function reduceLimbs(outPtr: usize): void {
  const s = LIMBS;
  for (let i: usize = 23; i >= 18; i--) fold(s, i);
  for (let i: usize = 6; i <= 16; i += 2) carryRound(s, i);
  for (let i: usize = 7; i <= 15; i += 2) carryRound(s, i);
  for (let i: usize = 17; i >= 12; i--) fold(s, i);
  for (let i: usize = 0; i <= 10; i += 2) carryRound(s, i);
  for (let i: usize = 1; i <= 11; i += 2) carryRound(s, i);
  fold(s, 12);
  for (let i: usize = 0; i <= 11; i++) carryFloor(s, i);
  fold(s, 12);
  for (let i: usize = 0; i <= 10; i++) carryFloor(s, i);
  // Twelve limbs in [0, 2^21) (the last below 2^21 too: the value is below L < 2^253): pack them.
  let acc: u64 = 0;
  let bits: u32 = 0;
  let out = outPtr;
  for (let i: usize = 0; i < 12; i++) {
    acc |= <u64>load<i64>(at(s, i)) << bits;
    bits += 21;
    while (bits >= 8) {
      store<u8>(out, <u8>acc);
      out++;
      acc >>= 8;
      bits -= 8;
    }
  }
  store<u8>(out, <u8>acc);
}

/** out (32 bytes) = the 64-byte little-endian number at `inPtr` mod L; `outPtr` may be `inPtr`. */
export function scReduce(outPtr: usize, inPtr: usize): void {
  loadLimbs(LIMBS, inPtr, 64, LIMB_COUNT);
  reduceLimbs(outPtr);
}

/**
 * out = (a·b + c) mod L for 32-byte little-endian a, b, c below 2^256 (RFC 8032 §5.1.6 step 5
 * with a = k, b = s, c = r). `outPtr` may alias any input.
 */
export function scMulAdd(outPtr: usize, aPtr: usize, bPtr: usize, cPtr: usize): void {
  const s = LIMBS;
  loadLimbs(SCALAR_A, aPtr, 32, 12);
  loadLimbs(SCALAR_B, bPtr, 32, 12);
  loadLimbs(s, cPtr, 32, 12);
  for (let i: usize = 12; i < LIMB_COUNT; i++) store<i64>(at(s, i), 0);
  for (let i: usize = 0; i < 12; i++) {
    const a = load<i64>(at(SCALAR_A, i));
    for (let j: usize = 0; j < 12; j++) {
      store<i64>(at(s, i + j), load<i64>(at(s, i + j)) + a * load<i64>(at(SCALAR_B, j)));
    }
  }
  for (let i: usize = 0; i <= 22; i += 2) carryRound(s, i);
  for (let i: usize = 1; i <= 21; i += 2) carryRound(s, i);
  reduceLimbs(outPtr);
}

/**
 * True when the 32-byte little-endian number at `ptr` is below L: RFC 8032 §5.1.7 step 1 and Go's
 * `scMinimal`, which refuse S ≥ L outright (no reduction; so a malleated S + L fails). Runs in
 * variable time: S is public.
 */
export function scIsCanonical(ptr: usize): bool {
  for (let i: i32 = 3; i >= 0; i--) {
    const v = load<u64>(ptr + (<usize>i << 3));
    const l = load<u64>(ORDER + (<usize>i << 3));
    if (v < l) return true;
    if (v > l) return false;
  }
  return false;
}

/** Zeroes the limbs of the last reduction or product. */
export function wipeScalarScratch(): void {
  memory.fill(LIMBS, 0, LIMB_COUNT * 8);
  memory.fill(SCALAR_A, 0, 12 * 8);
  memory.fill(SCALAR_B, 0, 12 * 8);
}

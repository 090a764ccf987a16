/**
 * Arithmetic in GF(p), p = 2^255 − 19 (RFC 7748 §4.1, RFC 8032 §5.1).
 *
 * Representation. An element is ten signed 32-bit limbs at a pointer (FE_BYTES = 40), limb i
 * weighing 2^ceil(25.5·i): t0 + 2^26·t1 + 2^51·t2 + 2^77·t3 + … + 2^230·t9, even limbs of 26
 * bits, odd ones of 25 (the "ref10" layout of Bernstein, Duif, Lange, Schwabe and Yang, "High-
 * speed high-security signatures", 2011). A product of two limbs fits an i64 with room for the
 * sums of a schoolbook multiplication, so each of the 100 partial products is one i64.mul.
 * WebAssembly has no 64×64→128 multiply: radix 2^51 (five limbs) needs four 32×32 products and
 * carry handling per partial product, and measured 2.4 times slower per multiplication in V8
 * than this layout (68 ns against 28 ns on the machine of the curve benchmark).
 *
 * Bounds. Functions state the limb bounds they need and give (as multiples of 2^25 / 2^24 for
 * even / odd limbs, "reduced" meaning |t| ≤ 1.1·2^25, 1.1·2^24, …): `feMul`, `feSquare` and the
 * others that end in `carry` take inputs up to 1.1·2^26, 1.1·2^25 (so the sum or difference of
 * two reduced elements) and return reduced elements. The point formulas of ed25519.ts and
 * x25519.ts add or subtract at most two reduced elements before multiplying.
 *
 * Constant time. No function branches on, or indexes memory with, limb values: carries are
 * arithmetic shifts, conditional moves and swaps are masks. `feIsNegative` and `feIsZero` fold
 * all bytes without an early exit. Every output pointer may alias an input.
 *
 * Scratch: FE_SCRATCH, four elements used by `feInvert` and `fePow22523`; `wipeFieldScratch`
 * zeroes it and the 32-byte encoding buffer.
 */

export const FE_BYTES: usize = 40;

const FE_SCRATCH = memory.data(4 * <i32>FE_BYTES, 8);
const T0: usize = FE_SCRATCH;
const T1: usize = FE_SCRATCH + FE_BYTES;
const T2: usize = FE_SCRATCH + 2 * FE_BYTES;
const T3: usize = FE_SCRATCH + 3 * FE_BYTES;
/** The canonical encoding that `feIsNegative` and `feIsZero` inspect. */
const ENCODING = memory.data(32, 8);

// @ts-ignore: decorator
@inline function limb(f: usize, i: usize): i64 {
  return <i64>load<i32>(f + (i << 2));
}

// @ts-ignore: decorator
@inline function setLimb(h: usize, i: usize, v: i64): void {
  store<i32>(h + (i << 2), <i32>v);
}

/**
 * Carries ten wide limbs (each below 2^62 in magnitude) into a reduced element at `h`. The carry
 * out of limb 9 re-enters limb 0 multiplied by 19, since 2^255 ≡ 19 (mod p). Carries round to
 * nearest, so limbs end centred on zero; the order (0 and 4, 1 and 5, …) keeps two independent
 * chains, the bounds being those of ref10's fe_mul.
 */
// @ts-ignore: decorator
@inline function carry(
  h: usize,
  h0: i64, h1: i64, h2: i64, h3: i64, h4: i64, h5: i64, h6: i64, h7: i64, h8: i64, h9: i64,
): void {
  let c: i64;
  c = (h0 + (1 << 25)) >> 26; h1 += c; h0 -= c << 26;
  c = (h4 + (1 << 25)) >> 26; h5 += c; h4 -= c << 26;
  c = (h1 + (1 << 24)) >> 25; h2 += c; h1 -= c << 25;
  c = (h5 + (1 << 24)) >> 25; h6 += c; h5 -= c << 25;
  c = (h2 + (1 << 25)) >> 26; h3 += c; h2 -= c << 26;
  c = (h6 + (1 << 25)) >> 26; h7 += c; h6 -= c << 26;
  c = (h3 + (1 << 24)) >> 25; h4 += c; h3 -= c << 25;
  c = (h7 + (1 << 24)) >> 25; h8 += c; h7 -= c << 25;
  c = (h4 + (1 << 25)) >> 26; h5 += c; h4 -= c << 26;
  c = (h8 + (1 << 25)) >> 26; h9 += c; h8 -= c << 26;
  c = (h9 + (1 << 24)) >> 25; h0 += c * 19; h9 -= c << 25;
  c = (h0 + (1 << 25)) >> 26; h1 += c; h0 -= c << 26;
  setLimb(h, 0, h0);
  setLimb(h, 1, h1);
  setLimb(h, 2, h2);
  setLimb(h, 3, h3);
  setLimb(h, 4, h4);
  setLimb(h, 5, h5);
  setLimb(h, 6, h6);
  setLimb(h, 7, h7);
  setLimb(h, 8, h8);
  setLimb(h, 9, h9);
}

export function feZero(h: usize): void {
  memory.fill(h, 0, FE_BYTES);
}

export function feOne(h: usize): void {
  memory.fill(h, 0, FE_BYTES);
  store<i32>(h, 1);
}

// @ts-ignore: decorator
@inline
export function feCopy(h: usize, f: usize): void {
  memory.copy(h, f, FE_BYTES);
}

/** h = f + g, limb by limb, without carrying. */
export function feAdd(h: usize, f: usize, g: usize): void {
  for (let i: usize = 0; i < FE_BYTES; i += 4) {
    store<i32>(h + i, load<i32>(f + i) + load<i32>(g + i));
  }
}

/** h = f − g, limb by limb, without carrying. */
export function feSub(h: usize, f: usize, g: usize): void {
  for (let i: usize = 0; i < FE_BYTES; i += 4) {
    store<i32>(h + i, load<i32>(f + i) - load<i32>(g + i));
  }
}

/** h = −f. */
export function feNeg(h: usize, f: usize): void {
  for (let i: usize = 0; i < FE_BYTES; i += 4) {
    store<i32>(h + i, -load<i32>(f + i));
  }
}

/** f = g when `bit` is 1, f unchanged when it is 0; `bit` ∈ {0, 1}, no branch on it. */
export function feCmov(f: usize, g: usize, bit: i32): void {
  const mask = -bit;
  for (let i: usize = 0; i < FE_BYTES; i += 4) {
    const a = load<i32>(f + i);
    store<i32>(f + i, a ^ (mask & (a ^ load<i32>(g + i))));
  }
}

/** Swaps f and g when `bit` is 1; `bit` ∈ {0, 1}, no branch on it. */
export function feCswap(f: usize, g: usize, bit: i32): void {
  const mask = -bit;
  for (let i: usize = 0; i < FE_BYTES; i += 4) {
    const a = load<i32>(f + i);
    const b = load<i32>(g + i);
    const x = mask & (a ^ b);
    store<i32>(f + i, a ^ x);
    store<i32>(g + i, b ^ x);
  }
}

/** h = f · g. */
export function feMul(h: usize, f: usize, g: usize): void {
  const f0 = limb(f, 0), f1 = limb(f, 1), f2 = limb(f, 2), f3 = limb(f, 3), f4 = limb(f, 4);
  const f5 = limb(f, 5), f6 = limb(f, 6), f7 = limb(f, 7), f8 = limb(f, 8), f9 = limb(f, 9);
  const g0 = limb(g, 0), g1 = limb(g, 1), g2 = limb(g, 2), g3 = limb(g, 3), g4 = limb(g, 4);
  const g5 = limb(g, 5), g6 = limb(g, 6), g7 = limb(g, 7), g8 = limb(g, 8), g9 = limb(g, 9);
  // Odd limbs times odd limbs land on an even weight one bit higher: the factor 2. A product
  // reaching 2^255 or beyond wraps with the factor 19.
  const f1_2 = 2 * f1, f3_2 = 2 * f3, f5_2 = 2 * f5, f7_2 = 2 * f7, f9_2 = 2 * f9;
  const g1_19 = 19 * g1, g2_19 = 19 * g2, g3_19 = 19 * g3, g4_19 = 19 * g4, g5_19 = 19 * g5;
  const g6_19 = 19 * g6, g7_19 = 19 * g7, g8_19 = 19 * g8, g9_19 = 19 * g9;
  carry(
    h,
    f0 * g0 + f1_2 * g9_19 + f2 * g8_19 + f3_2 * g7_19 + f4 * g6_19 + f5_2 * g5_19 + f6 * g4_19 + f7_2 * g3_19 + f8 * g2_19 + f9_2 * g1_19,
    f0 * g1 + f1 * g0 + f2 * g9_19 + f3 * g8_19 + f4 * g7_19 + f5 * g6_19 + f6 * g5_19 + f7 * g4_19 + f8 * g3_19 + f9 * g2_19,
    f0 * g2 + f1_2 * g1 + f2 * g0 + f3_2 * g9_19 + f4 * g8_19 + f5_2 * g7_19 + f6 * g6_19 + f7_2 * g5_19 + f8 * g4_19 + f9_2 * g3_19,
    f0 * g3 + f1 * g2 + f2 * g1 + f3 * g0 + f4 * g9_19 + f5 * g8_19 + f6 * g7_19 + f7 * g6_19 + f8 * g5_19 + f9 * g4_19,
    f0 * g4 + f1_2 * g3 + f2 * g2 + f3_2 * g1 + f4 * g0 + f5_2 * g9_19 + f6 * g8_19 + f7_2 * g7_19 + f8 * g6_19 + f9_2 * g5_19,
    f0 * g5 + f1 * g4 + f2 * g3 + f3 * g2 + f4 * g1 + f5 * g0 + f6 * g9_19 + f7 * g8_19 + f8 * g7_19 + f9 * g6_19,
    f0 * g6 + f1_2 * g5 + f2 * g4 + f3_2 * g3 + f4 * g2 + f5_2 * g1 + f6 * g0 + f7_2 * g9_19 + f8 * g8_19 + f9_2 * g7_19,
    f0 * g7 + f1 * g6 + f2 * g5 + f3 * g4 + f4 * g3 + f5 * g2 + f6 * g1 + f7 * g0 + f8 * g9_19 + f9 * g8_19,
    f0 * g8 + f1_2 * g7 + f2 * g6 + f3_2 * g5 + f4 * g4 + f5_2 * g3 + f6 * g2 + f7_2 * g1 + f8 * g0 + f9_2 * g9_19,
    f0 * g9 + f1 * g8 + f2 * g7 + f3 * g6 + f4 * g5 + f5 * g4 + f6 * g3 + f7 * g2 + f8 * g1 + f9 * g0,
  );
}

/**
 * h = f² times `factor` (1 for a square, 2 for ref10's fe_sq2): the symmetric products once,
 * doubled, 55 multiplications instead of 100.
 */
// @ts-ignore: decorator
@inline function squareTimes(h: usize, f: usize, factor: i64): void {
  const f0 = limb(f, 0), f1 = limb(f, 1), f2 = limb(f, 2), f3 = limb(f, 3), f4 = limb(f, 4);
  const f5 = limb(f, 5), f6 = limb(f, 6), f7 = limb(f, 7), f8 = limb(f, 8), f9 = limb(f, 9);
  const f0_2 = 2 * f0, f1_2 = 2 * f1, f2_2 = 2 * f2, f3_2 = 2 * f3, f4_2 = 2 * f4;
  const f5_2 = 2 * f5, f6_2 = 2 * f6, f7_2 = 2 * f7;
  const f5_38 = 38 * f5, f6_19 = 19 * f6, f7_38 = 38 * f7, f8_19 = 19 * f8, f9_38 = 38 * f9;
  carry(
    h,
    factor * (f0 * f0 + f1_2 * f9_38 + f2_2 * f8_19 + f3_2 * f7_38 + f4_2 * f6_19 + f5 * f5_38),
    factor * (f0_2 * f1 + f2 * f9_38 + f3_2 * f8_19 + f4 * f7_38 + f5_2 * f6_19),
    factor * (f0_2 * f2 + f1_2 * f1 + f3_2 * f9_38 + f4_2 * f8_19 + f5_2 * f7_38 + f6 * f6_19),
    factor * (f0_2 * f3 + f1_2 * f2 + f4 * f9_38 + f5_2 * f8_19 + f6 * f7_38),
    factor * (f0_2 * f4 + f1_2 * f3_2 + f2 * f2 + f5_2 * f9_38 + f6_2 * f8_19 + f7 * f7_38),
    factor * (f0_2 * f5 + f1_2 * f4 + f2_2 * f3 + f6 * f9_38 + f7_2 * f8_19),
    factor * (f0_2 * f6 + f1_2 * f5_2 + f2_2 * f4 + f3_2 * f3 + f7_2 * f9_38 + f8 * f8_19),
    factor * (f0_2 * f7 + f1_2 * f6 + f2_2 * f5 + f3_2 * f4 + f8 * f9_38),
    factor * (f0_2 * f8 + f1_2 * f7_2 + f2_2 * f6 + f3_2 * f5_2 + f4 * f4 + f9 * f9_38),
    factor * (f0_2 * f9 + f1_2 * f8 + f2_2 * f7 + f3_2 * f6 + f4_2 * f5),
  );
}

/** h = f². */
export function feSquare(h: usize, f: usize): void {
  squareTimes(h, f, 1);
}

/** h = 2·f² (the doubling formula's 2·Z², RFC 8032 §5.1.4). */
export function feSquare2(h: usize, f: usize): void {
  squareTimes(h, f, 2);
}

/** h = f^(2^n), n ≥ 1. */
export function feSquareTimes(h: usize, f: usize, n: u32): void {
  feSquare(h, f);
  for (let i: u32 = 1; i < n; i++) feSquare(h, h);
}

/** h = f · c for a small constant 0 ≤ c < 2^17 (X25519's a24 = 121665, RFC 7748 §5). */
export function feMulSmall(h: usize, f: usize, c: i64): void {
  carry(
    h,
    limb(f, 0) * c, limb(f, 1) * c, limb(f, 2) * c, limb(f, 3) * c, limb(f, 4) * c,
    limb(f, 5) * c, limb(f, 6) * c, limb(f, 7) * c, limb(f, 8) * c, limb(f, 9) * c,
  );
}

// @ts-ignore: decorator
@inline function byte(ptr: usize, i: usize): i64 {
  return <i64>load<u8>(ptr + i);
}

// @ts-ignore: decorator
@inline function load3(ptr: usize, i: usize): i64 {
  return byte(ptr, i) | (byte(ptr, i + 1) << 8) | (byte(ptr, i + 2) << 16);
}

// @ts-ignore: decorator
@inline function load4(ptr: usize, i: usize): i64 {
  return load3(ptr, i) | (byte(ptr, i + 3) << 24);
}

/**
 * h = the 255 low bits of the 32 little-endian bytes at `s`, as RFC 7748 §5 decodes u and RFC
 * 8032 §5.1.3 decodes y: the top bit is ignored and a value ≥ p is accepted (it is the same
 * element as its remainder mod p).
 */
export function feFromBytes(h: usize, s: usize): void {
  carry(
    h,
    load4(s, 0),
    load3(s, 4) << 6,
    load3(s, 7) << 5,
    load3(s, 10) << 3,
    load3(s, 13) << 2,
    load4(s, 16),
    load3(s, 20) << 7,
    load3(s, 23) << 5,
    load3(s, 26) << 4,
    (load3(s, 29) & 0x7fffff) << 2,
  );
}

/**
 * The canonical 32-byte little-endian encoding of the reduced element h (value in [0, p)).
 * q = floor(h / p) ∈ {0, 1} is computed from the top down without a comparison (q is 1 exactly
 * when h + 19 overflows 2^255), then h − q·p is carried limb by limb.
 */
export function feToBytes(s: usize, h: usize): void {
  let h0 = <i32>limb(h, 0), h1 = <i32>limb(h, 1), h2 = <i32>limb(h, 2), h3 = <i32>limb(h, 3);
  let h4 = <i32>limb(h, 4), h5 = <i32>limb(h, 5), h6 = <i32>limb(h, 6), h7 = <i32>limb(h, 7);
  let h8 = <i32>limb(h, 8), h9 = <i32>limb(h, 9);
  let q = (19 * h9 + (1 << 24)) >> 25;
  q = (h0 + q) >> 26;
  q = (h1 + q) >> 25;
  q = (h2 + q) >> 26;
  q = (h3 + q) >> 25;
  q = (h4 + q) >> 26;
  q = (h5 + q) >> 25;
  q = (h6 + q) >> 26;
  q = (h7 + q) >> 25;
  q = (h8 + q) >> 26;
  q = (h9 + q) >> 25;
  h0 += 19 * q;
  let c: i32;
  c = h0 >> 26; h1 += c; h0 -= c << 26;
  c = h1 >> 25; h2 += c; h1 -= c << 25;
  c = h2 >> 26; h3 += c; h2 -= c << 26;
  c = h3 >> 25; h4 += c; h3 -= c << 25;
  c = h4 >> 26; h5 += c; h4 -= c << 26;
  c = h5 >> 25; h6 += c; h5 -= c << 25;
  c = h6 >> 26; h7 += c; h6 -= c << 26;
  c = h7 >> 25; h8 += c; h7 -= c << 25;
  c = h8 >> 26; h9 += c; h8 -= c << 26;
  c = h9 >> 25; h9 -= c << 25;
  // Limbs are now in [0, 2^26) / [0, 2^25): pack them at bit offsets 0, 26, 51, 77, … .
  store<u32>(s, <u32>h0 | (<u32>h1 << 26), 0);
  store<u32>(s, (<u32>h1 >> 6) | (<u32>h2 << 19), 4);
  store<u32>(s, (<u32>h2 >> 13) | (<u32>h3 << 13), 8);
  store<u32>(s, (<u32>h3 >> 19) | (<u32>h4 << 6), 12);
  store<u32>(s, <u32>h5 | (<u32>h6 << 25), 16);
  store<u32>(s, (<u32>h6 >> 7) | (<u32>h7 << 19), 20);
  store<u32>(s, (<u32>h7 >> 13) | (<u32>h8 << 12), 24);
  store<u32>(s, (<u32>h8 >> 20) | (<u32>h9 << 6), 28);
}

/** 1 when the canonical value of f is odd (RFC 8032 §5.1.2 calls x "negative" then), else 0. */
export function feIsNegative(f: usize): i32 {
  feToBytes(ENCODING, f);
  return <i32>(load<u8>(ENCODING) & 1);
}

/** 1 when f ≡ 0 (mod p), else 0, reading every byte of the canonical encoding. */
export function feIsZero(f: usize): i32 {
  feToBytes(ENCODING, f);
  const folded = load<u64>(ENCODING) | load<u64>(ENCODING, 8) | load<u64>(ENCODING, 16) | load<u64>(ENCODING, 24);
  return <i32>(((folded | (0 - folded)) >> 63) ^ 1);
}

/**
 * out = z^(2^250 − 1) from z, with t0 = z^11 left in T0 for the callers below: the common head
 * of the addition chains for p − 2 and (p − 5) / 8 (ref10's chains, 254 squarings and 11
 * multiplications for the inversion).
 */
function pow2To250Minus1(out: usize, z: usize): void {
  feSquare(T0, z); //                 z^2
  feSquareTimes(T1, T0, 2); //        z^8
  feMul(T1, z, T1); //                z^9
  feMul(T0, T0, T1); //               z^11
  feSquare(T2, T0); //                z^22
  feMul(T1, T1, T2); //               z^31 = z^(2^5 − 1)
  feSquareTimes(T2, T1, 5);
  feMul(T1, T2, T1); //               z^(2^10 − 1)
  feSquareTimes(T2, T1, 10);
  feMul(T2, T2, T1); //               z^(2^20 − 1)
  feSquareTimes(T3, T2, 20);
  feMul(T2, T3, T2); //               z^(2^40 − 1)
  feSquareTimes(T2, T2, 10);
  feMul(T1, T2, T1); //               z^(2^50 − 1)
  feSquareTimes(T2, T1, 50);
  feMul(T2, T2, T1); //               z^(2^100 − 1)
  feSquareTimes(T3, T2, 100);
  feMul(T2, T3, T2); //               z^(2^200 − 1)
  feSquareTimes(T2, T2, 50);
  feMul(out, T2, T1); //              z^(2^250 − 1)
}

/**
 * out = z^(p − 2) = z^(2^255 − 21), which is 1/z for z ≠ 0 (Fermat) and 0 for z = 0: RFC 7748
 * §5's inversion, and Go's, which maps 0 to 0.
 */
export function feInvert(out: usize, z: usize): void {
  pow2To250Minus1(T1, z);
  feSquareTimes(T1, T1, 5); //        z^(2^255 − 32)
  feMul(out, T1, T0); //              z^(2^255 − 21)
}

/** out = z^((p − 5) / 8) = z^(2^252 − 3), the exponent of the square root (RFC 8032 §5.1.3). */
export function fePow22523(out: usize, z: usize): void {
  pow2To250Minus1(T1, z);
  feSquareTimes(T1, T1, 2); //        z^(2^252 − 4)
  feMul(out, T1, z); //               z^(2^252 − 3)
}

/** Zeroes the inversion scratch and the encoding buffer. */
export function wipeFieldScratch(): void {
  memory.fill(FE_SCRATCH, 0, 4 * FE_BYTES);
  memory.fill(ENCODING, 0, 32);
}

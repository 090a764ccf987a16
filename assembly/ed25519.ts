/**
 * Ed25519 (RFC 8032 §5.1, pure, no context) with the key layout and verification verdicts of Go's
 * crypto/ed25519 (Go 1.19), which E4's clients run, and the Edwards-to-Montgomery map that E4
 * uses to turn Ed25519 keys into X25519 keys (RFC 7748 §4.1).
 *
 * Points, all field elements of field25519.ts (40 bytes each), after "Twisted Edwards Curves
 * Revisited" (Hisil, Wong, Carter, Dawson, 2008) and ref10:
 *
 *   extended     (X : Y : Z : T), x = X/Z, y = Y/Z, x·y = T/Z          160 bytes
 *   projective   (X : Y : Z), the extended form without T              120 bytes
 *   completed    ((X : Z), (Y : T)), x = X/Z, y = Y/T: what a sum or   160 bytes
 *                double is before one of the two conversions below
 *   cached       (Y + X, Y − X, Z, 2·d·T), an extended point ready     160 bytes
 *                to be added
 *   precomputed  (y + x, y − x, 2·d·x·y), affine (Z = 1), from the     120 bytes
 *                tables of ed25519-tables.ts
 *
 * Fixed-base multiplication ([a]B for signing and public keys) is constant time: a is written
 * in 64 signed radix-16 digits, and each digit's multiple of 16^i·B is taken from a table row by
 * reading all eight entries with masks (no index depends on a). Verification's double-scalar
 * multiplication handles public values only and runs in variable time.
 *
 * Scratch: the points and digit buffers below; `wipeEd25519Scratch` zeroes them all. The
 * verification key cache (below `ed25519Verify`'s helpers) holds public keys and points derived
 * from them only, and outlives every operation.
 */

import { wipe } from "./bytes";
import {
  FE_BYTES,
  feAdd,
  feCmov,
  feCopy,
  feFromBytes,
  feInvert,
  feIsNegative,
  feIsZero,
  feMul,
  feNeg,
  feOne,
  fePow22523,
  feSquare,
  feSquare2,
  feSub,
  feToBytes,
  feZero,
} from "./field25519";
import { BASE_ODD_MULTIPLES, BASE_TABLE, D, D2, SQRT_M1 } from "./ed25519-tables";
import { scIsCanonical, scMulAdd, scReduce } from "./scalar25519";
import { sha512Final, sha512Init, sha512Update } from "./sha512";

export const SEED_LEN: u32 = 32;
export const PUBLIC_KEY_LEN: u32 = 32;
export const PRIVATE_KEY_LEN: u32 = 64;
export const SIGNATURE_LEN: u32 = 64;

// Field offsets inside a point (the same four slots serve every form).
const X: usize = 0;
const Y: usize = FE_BYTES;
const Z: usize = 2 * FE_BYTES;
const T: usize = 3 * FE_BYTES;
const YPLUSX: usize = 0;
const YMINUSX: usize = FE_BYTES;
const XY2D: usize = 2 * FE_BYTES; // precomputed
const T2D: usize = 3 * FE_BYTES; // cached
const POINT_BYTES: usize = 4 * FE_BYTES;
const PRECOMPUTED_BYTES: usize = 3 * FE_BYTES;
const BASE_ROW_BYTES: usize = 8 * PRECOMPUTED_BYTES;

/**
 * Verification under a cached key cuts both scalars into SCALAR_PARTS parts of PART_BITS bits,
 * part j multiplying 2^(PART_BITS·j) times the point, so that one chain of PART_BITS doublings
 * serves all parts (`doubleScalarMultVartime`). build/gen-ed25519-tables.ts writes B's parts
 * with the same two values.
 */
const SCALAR_PARTS: u32 = 8;
const PART_BITS: u32 = 256 / SCALAR_PARTS;
/** Odd multiples P, 3P, …, 15P of each part P of −A, in its key slot: digits of width 5, ≤ 15. */
const A_WIDTH: u32 = 5;
const A_MULTIPLES: usize = 1 << (A_WIDTH - 2);
const A_PART_BYTES: usize = A_MULTIPLES * POINT_BYTES;
/**
 * Odd multiples P, 3P, …, 15P of each part P of B, from the static table: digits of width 5,
 * ≤ 15. Width 6 (16 entries a part) measured 4% faster under a cached key but adds 7.7 KB to
 * the module.
 */
const B_WIDTH: u32 = 5;
const B_MULTIPLES: usize = 1 << (B_WIDTH - 2);
const B_PART_BYTES: usize = B_MULTIPLES * PRECOMPUTED_BYTES;

const SCRATCH_BYTES: usize = 4 * POINT_BYTES + 3 * FE_BYTES + 2 * PRECOMPUTED_BYTES;
const SCRATCH = memory.data(<i32>SCRATCH_BYTES, 8);
/** A completed point: every sum and double lands here. */
const SUM: usize = SCRATCH;
/** The running point, extended. */
const ACC: usize = SCRATCH + POINT_BYTES;
/** The running point, projective (the doubling input), and a second extended point. */
const ACC2: usize = SCRATCH + 2 * POINT_BYTES;
/** A decoded point (verification's −A and its multiples by 2^PART_BITS, edPublicToCurve's key). */
const DECODED: usize = SCRATCH + 3 * POINT_BYTES;
const FE_A: usize = SCRATCH + 4 * POINT_BYTES;
const FE_B: usize = FE_A + FE_BYTES;
const FE_C: usize = FE_B + FE_BYTES;
/** The table entry selected for a digit, and its negation. */
const SELECTED: usize = FE_C + FE_BYTES;
const NEGATED: usize = SELECTED + PRECOMPUTED_BYTES;

/** Signed digits: 64 radix-16 digits of a secret scalar, or 2 × 256 non-adjacent-form digits. */
const DIGITS = memory.data(512, 8);
const A_DIGITS: usize = DIGITS;
const B_DIGITS: usize = DIGITS + 256;
/** The scalar of `nonAdjacentForm`, with 8 zero bytes above it. */
const NAF_SCALAR = memory.data(40, 8);

/** SHA-512 outputs and scalars of signing and verification. */
const HASH_BYTES: usize = 64;
const EXPANDED = memory.data(<i32>HASH_BYTES, 8);
const NONCE = memory.data(<i32>HASH_BYTES, 8);
const CHALLENGE = memory.data(<i32>HASH_BYTES, 8);
const ENCODED = memory.data(32, 8);

// ---------------------------------------------------------------- point arithmetic

/** r (completed) = 2·p, p projective (ref10's ge_p2_dbl; "dbl-2008-hwcd"). */
function double(r: usize, p: usize): void {
  feSquare(r + X, p + X); //              X²
  feSquare(r + Z, p + Y); //              Y²
  feSquare2(r + T, p + Z); //             2·Z²
  feAdd(r + Y, p + X, p + Y);
  feSquare(FE_A, r + Y); //               (X + Y)²
  feAdd(r + Y, r + Z, r + X); //          Y² + X²
  feSub(r + Z, r + Z, r + X); //          Y² − X²
  feSub(r + X, FE_A, r + Y); //           2·X·Y
  feSub(r + T, r + T, r + Z);
}

/** r (projective) = p (completed). */
function completedToProjective(r: usize, p: usize): void {
  feMul(r + X, p + X, p + T);
  feMul(r + Y, p + Y, p + Z);
  feMul(r + Z, p + Z, p + T);
}

/** r (extended) = p (completed). */
function completedToExtended(r: usize, p: usize): void {
  feMul(r + X, p + X, p + T);
  feMul(r + Y, p + Y, p + Z);
  feMul(r + Z, p + Z, p + T);
  feMul(r + T, p + X, p + Y);
}

/** r (cached) = p (extended). */
function extendedToCached(r: usize, p: usize): void {
  feAdd(r + YPLUSX, p + Y, p + X);
  feSub(r + YMINUSX, p + Y, p + X);
  feCopy(r + Z, p + Z);
  feMul(r + T2D, p + T, D2);
}

/**
 * r (completed) = p + q or p − q (`subtract`), p extended, q cached ("add-2008-hwcd-3"): the
 * difference adds −q, which is q with Y + X and Y − X exchanged and T negated.
 */
function addCached(r: usize, p: usize, q: usize, subtract: bool): void {
  feAdd(r + X, p + Y, p + X);
  feSub(r + Y, p + Y, p + X);
  feMul(r + Z, r + X, q + (subtract ? YMINUSX : YPLUSX));
  feMul(r + Y, r + Y, q + (subtract ? YPLUSX : YMINUSX));
  feMul(r + T, q + T2D, p + T);
  feMul(r + X, p + Z, q + Z);
  feAdd(FE_A, r + X, r + X);
  feSub(r + X, r + Z, r + Y);
  feAdd(r + Y, r + Z, r + Y);
  if (subtract) {
    feSub(r + Z, FE_A, r + T);
    feAdd(r + T, FE_A, r + T);
  } else {
    feAdd(r + Z, FE_A, r + T);
    feSub(r + T, FE_A, r + T);
  }
}

/** r (completed) = p + q or p − q, p extended, q precomputed (Z = 1 saves a multiplication). */
function addPrecomputed(r: usize, p: usize, q: usize, subtract: bool): void {
  feAdd(r + X, p + Y, p + X);
  feSub(r + Y, p + Y, p + X);
  feMul(r + Z, r + X, q + (subtract ? YMINUSX : YPLUSX));
  feMul(r + Y, r + Y, q + (subtract ? YPLUSX : YMINUSX));
  feMul(r + T, q + XY2D, p + T);
  feAdd(FE_A, p + Z, p + Z);
  feSub(r + X, r + Z, r + Y);
  feAdd(r + Y, r + Z, r + Y);
  if (subtract) {
    feSub(r + Z, FE_A, r + T);
    feAdd(r + T, FE_A, r + T);
  } else {
    feAdd(r + Z, FE_A, r + T);
    feSub(r + T, FE_A, r + T);
  }
}

function setIdentityExtended(p: usize): void {
  feZero(p + X);
  feOne(p + Y);
  feOne(p + Z);
  feZero(p + T);
}

/**
 * The 32-byte encoding of the projective or extended point p (RFC 8032 §5.1.2): y = Y/Z in 255
 * bits, the parity of x = X/Z in the top bit. Always canonical (y < p).
 */
function encode(outPtr: usize, p: usize): void {
  feInvert(FE_A, p + Z);
  feMul(FE_B, p + X, FE_A);
  feMul(FE_C, p + Y, FE_A);
  feToBytes(outPtr, FE_C);
  store<u8>(outPtr, load<u8>(outPtr, 31) | <u8>(feIsNegative(FE_B) << 7), 31);
}

/**
 * Decodes the 32 bytes at `s` into the extended point h as Go's edwards25519 `SetBytes` does, more
 * permissively than RFC 8032 §5.1.3: y is the 255 low bits reduced mod p (so y ≥ p is accepted),
 * and x = 0 with the sign bit set is accepted as x = 0. Returns false only when no x exists for
 * y. Small-order and mixed-order points decode like any other. Variable time: keys are public.
 */
function decode(h: usize, s: usize): bool {
  const u = FE_B;
  const v = FE_C;
  feFromBytes(h + Y, s);
  feOne(h + Z);
  feSquare(u, h + Y);
  feMul(v, u, D);
  feSub(u, u, h + Z); //                  u = y² − 1
  feAdd(v, v, h + Z); //                  v = d·y² + 1
  // x = u·v³·(u·v⁷)^((p − 5) / 8) (§5.1.3 step 3); FE_A holds v³, then v·x².
  feSquare(FE_A, v);
  feMul(FE_A, FE_A, v); //                v³
  feSquare(h + X, FE_A);
  feMul(h + X, h + X, v);
  feMul(h + X, h + X, u); //              u·v⁷
  fePow22523(h + X, h + X);
  feMul(h + X, h + X, FE_A);
  feMul(h + X, h + X, u);
  feSquare(FE_A, h + X);
  feMul(FE_A, FE_A, v); //                v·x²
  feSub(h + T, FE_A, u);
  if (!feIsZero(h + T)) {
    feAdd(h + T, FE_A, u);
    if (!feIsZero(h + T)) return false; //  u/v is not a square
    feMul(h + X, h + X, SQRT_M1);
  }
  if (feIsNegative(h + X) != <i32>(load<u8>(s, 31) >> 7)) feNeg(h + X, h + X);
  feMul(h + T, h + X, h + Y);
  return true;
}

// ------------------------------------------------------------- fixed-base multiplication

// @ts-ignore: decorator
@inline function equalMask(a: i32, b: i32): i32 {
  // 1 when a == b for 0 ≤ a, b < 2^31, without a comparison the compiler could branch on.
  return <i32>((<u32>(a ^ b) - 1) >> 31);
}

/**
 * SELECTED = digit·256^row·B, precomputed, for −8 ≤ digit ≤ 8: every entry of the row is read and
 * kept or not with a mask, and the sign is applied the same way.
 */
function selectBaseMultiple(row: usize, digit: i32): void {
  const negative = <i32>(<u32>digit >> 31);
  const magnitude = digit - ((-negative & digit) << 1);
  feOne(SELECTED + YPLUSX);
  feOne(SELECTED + YMINUSX);
  feZero(SELECTED + XY2D);
  const rowPtr = BASE_TABLE + row * BASE_ROW_BYTES;
  for (let j: i32 = 0; j < 8; j++) {
    const entry = rowPtr + <usize>j * PRECOMPUTED_BYTES;
    const bit = equalMask(magnitude, j + 1);
    feCmov(SELECTED + YPLUSX, entry + YPLUSX, bit);
    feCmov(SELECTED + YMINUSX, entry + YMINUSX, bit);
    feCmov(SELECTED + XY2D, entry + XY2D, bit);
  }
  feCopy(NEGATED + YPLUSX, SELECTED + YMINUSX);
  feCopy(NEGATED + YMINUSX, SELECTED + YPLUSX);
  feNeg(NEGATED + XY2D, SELECTED + XY2D);
  feCmov(SELECTED + YPLUSX, NEGATED + YPLUSX, negative);
  feCmov(SELECTED + YMINUSX, NEGATED + YMINUSX, negative);
  feCmov(SELECTED + XY2D, NEGATED + XY2D, negative);
}

/**
 * h (extended) = [a]B for the 32-byte little-endian a < 2^255, in constant time. a = Σ e_i·16^i
 * with signed digits −8 ≤ e_i ≤ 8; the odd digits are summed first, the sum multiplied by 16,
 * then the even digits added: each addition takes e_i·256^⌊i/2⌋·B from the table.
 */
function scalarMultBase(h: usize, aPtr: usize): void {
  const e = DIGITS;
  for (let i: usize = 0; i < 32; i++) {
    const byte = <i32>load<u8>(aPtr + i);
    store<i8>(e + 2 * i, <i8>(byte & 15));
    store<i8>(e + 2 * i + 1, <i8>(byte >> 4));
  }
  let carry: i32 = 0;
  for (let i: usize = 0; i < 63; i++) {
    const digit = <i32>load<i8>(e + i) + carry;
    carry = (digit + 8) >> 4;
    store<i8>(e + i, <i8>(digit - (carry << 4)));
  }
  store<i8>(e + 63, <i8>(<i32>load<i8>(e + 63) + carry));

  setIdentityExtended(h);
  for (let i: usize = 1; i < 64; i += 2) {
    selectBaseMultiple(i >> 1, <i32>load<i8>(e + i));
    addPrecomputed(SUM, h, SELECTED, false);
    completedToExtended(h, SUM);
  }
  double(SUM, h);
  completedToProjective(ACC2, SUM);
  double(SUM, ACC2);
  completedToProjective(ACC2, SUM);
  double(SUM, ACC2);
  completedToProjective(ACC2, SUM);
  double(SUM, ACC2);
  completedToExtended(h, SUM);
  for (let i: usize = 0; i < 64; i += 2) {
    selectBaseMultiple(i >> 1, <i32>load<i8>(e + i));
    addPrecomputed(SUM, h, SELECTED, false);
    completedToExtended(h, SUM);
  }
}

// ------------------------------------------------------ double-scalar multiplication

/**
 * The width-w non-adjacent form of the 32-byte a < 2^254 at `aPtr`: r[i] ∈ {0, ±1, ±3, …,
 * ±(2^(w − 1) − 1)}, a = Σ r[i]·2^i, each nonzero digit followed by at least w − 1 zeros. Each
 * step reads the w bits from position i at once, plus the carry of the last negative digit: an
 * even window gives a zero digit, an odd one a digit in (−2^(w − 1), 2^(w − 1)) and a carry when
 * negative. One pass over the scalar: ref10's bit-by-bit sliding window, which spreads the 256
 * bits first and then merges them, took 2–3% of a verification more.
 */
function nonAdjacentForm(r: usize, aPtr: usize, width: u32): void {
  memory.fill(r, 0, 256);
  // Zero bytes past the top, so the 8-byte loads below never read beyond the scalar.
  memory.copy(NAF_SCALAR, aPtr, 32);
  const mask: u64 = (<u64>1 << width) - 1;
  const half: u64 = <u64>1 << (width - 1);
  let carry: u64 = 0;
  let i: usize = 0;
  while (i < 256) {
    const window = carry + ((load<u64>(NAF_SCALAR + (i >> 3)) >> <u64>(i & 7)) & mask);
    if ((window & 1) == 0) {
      i++;
      continue;
    }
    carry = window >= half ? 1 : 0;
    store<i8>(r + i, <i8>(<i64>window - <i64>(carry << width)));
    i += width;
  }
}

/** table[j] = (2j + 1)·p, cached, for j < A_MULTIPLES; p extended, not ACC, ACC2 or SUM. */
function buildOddMultiples(table: usize, p: usize): void {
  extendedToCached(table, p);
  double(SUM, p);
  completedToExtended(ACC2, SUM); //       2p
  for (let j: usize = 0; j < A_MULTIPLES - 1; j++) {
    addCached(SUM, ACC2, table + j * POINT_BYTES, false);
    completedToExtended(ACC, SUM);
    extendedToCached(table + (j + 1) * POINT_BYTES, ACC);
  }
}

/** p (extended) = 2^n·p (projective), n ≥ 1. */
function doubleTimes(p: usize, n: u32): void {
  for (let i: u32 = 1; i < n; i++) {
    double(SUM, p);
    completedToProjective(p, SUM);
  }
  double(SUM, p);
  completedToExtended(p, SUM);
}

/** The entry of an odd digit's multiple in a table of odd multiples: |digit| = 2·index + 1. */
// @ts-ignore: decorator
@inline function oddIndex(digit: i32): usize {
  return <usize>((digit < 0 ? -digit : digit) >> 1);
}

/** SUM (completed) += digit·P, the odd multiples of P cached at `table`; nothing for digit 0. */
function addKeyMultiple(table: usize, digit: i32): void {
  if (digit == 0) return;
  completedToExtended(ACC, SUM);
  addCached(SUM, ACC, table + oddIndex(digit) * POINT_BYTES, digit < 0);
}

/** SUM (completed) += digit·P, the odd multiples of P precomputed at `table`; nothing for digit 0. */
function addBaseMultiple(table: usize, digit: i32): void {
  if (digit == 0) return;
  completedToExtended(ACC, SUM);
  addPrecomputed(SUM, ACC, table + oddIndex(digit) * PRECOMPUTED_BYTES, digit < 0);
}

/** The highest position below `span` at which a digit of some part is nonzero, or −1. */
function topDigitPosition(span: usize, parts: usize): i32 {
  for (let i = <i32>span - 1; i >= 0; i--) {
    for (let part: usize = 0; part < parts; part++) {
      const position = <usize>i + part * span;
      if (load<i8>(A_DIGITS + position) != 0 || load<i8>(B_DIGITS + position) != 0) return i;
    }
  }
  return -1;
}

/**
 * r (projective) = [a](−A) + [b]B for 32-byte a, b below 2^253, in variable time, with the tables
 * of the key slot at `slot` and the static ones of B (Straus's method on non-adjacent forms).
 * The digits of each scalar are read as `parts` parts of 256 / parts positions: part j adds its
 * digits' multiples of 2^(j·256 / parts) times the point (from its own table), so a single chain
 * of 256 / parts doublings serves every part.
 */
function doubleScalarMultVartime(r: usize, aPtr: usize, slot: usize, bPtr: usize): void {
  const parts = <usize>load<u32>(slot + SLOT_PARTS);
  const span = 256 / parts;
  nonAdjacentForm(A_DIGITS, aPtr, A_WIDTH);
  nonAdjacentForm(B_DIGITS, bPtr, B_WIDTH);
  feZero(r + X);
  feOne(r + Y);
  feOne(r + Z);
  for (let i = topDigitPosition(span, parts); i >= 0; i--) {
    double(SUM, r);
    for (let part: usize = 0; part < parts; part++) {
      const position = <usize>i + part * span;
      addKeyMultiple(slot + SLOT_TABLES + part * A_PART_BYTES, <i32>load<i8>(A_DIGITS + position));
      addBaseMultiple(BASE_ODD_MULTIPLES + part * B_PART_BYTES, <i32>load<i8>(B_DIGITS + position));
    }
    completedToProjective(r, SUM);
  }
}

// ---------------------------------------------------------- verification key cache

/**
 * Verifications under a key seen before skip decoding it and building its tables. KEY_SLOTS slots
 * (layout in curve-module.ts) are found by the key's exact 32 bytes, so two encodings of one
 * point (a y ≥ p, which Go accepts too) never share one; a key that does not decode is never
 * stored. On a miss the next slot in round-robin order is overwritten. Keys are public: the
 * lookup and the tables may take time that depends on them.
 *
 * A key's first verification decodes it, builds the odd multiples of −A (the work of a
 * verification without a cache) and runs the chain of 256 doublings over one part. Its second
 * builds the tables of the other parts, 2^(PART_BITS·j)·(−A) for 0 < j < SCALAR_PARTS, and
 * costs about 15% more than one without a cache; from the third on, every verification runs a
 * chain of PART_BITS doublings and costs well under half. A key seen once costs no more than
 * before, which building every part at once would (the doublings to 2^224·(−A)).
 */
export const KEY_SLOTS: u32 = 64;
const SLOT_KEY: usize = 0;
/** The parts whose tables the slot holds: 0 (free), 1 or SCALAR_PARTS. */
const SLOT_PARTS: usize = 32;
/** −A, projective, from which the second verification doubles. */
const SLOT_NEGATED_KEY: usize = 40;
const SLOT_TABLES: usize = SLOT_NEGATED_KEY + 3 * FE_BYTES;
const KEY_SLOT_BYTES: usize = SLOT_TABLES + <usize>SCALAR_PARTS * A_PART_BYTES;
const KEY_CACHE = memory.data(<i32>(<usize>KEY_SLOTS * KEY_SLOT_BYTES), 8);
const NO_SLOT: i32 = -1;

let nextVictim: u32 = 0;

// @ts-ignore: decorator
@inline function slotAddress(index: i32): usize {
  return KEY_CACHE + <usize>index * KEY_SLOT_BYTES;
}

/** The slot holding the 32 bytes at `pubPtr`, or NO_SLOT. */
function findKeySlot(pubPtr: usize): i32 {
  for (let index: i32 = 0; index < <i32>KEY_SLOTS; index++) {
    const slot = slotAddress(index);
    if (
      load<u32>(slot + SLOT_PARTS) != 0 &&
      load<u64>(slot + SLOT_KEY) == load<u64>(pubPtr) &&
      load<u64>(slot + SLOT_KEY + 8) == load<u64>(pubPtr + 8) &&
      load<u64>(slot + SLOT_KEY + 16) == load<u64>(pubPtr + 16) &&
      load<u64>(slot + SLOT_KEY + 24) == load<u64>(pubPtr + 24)
    ) {
      return index;
    }
  }
  return NO_SLOT;
}

/** Stores the key at `pubPtr`, decoded and negated in DECODED, with the odd multiples of −A. */
function storeKey(slot: usize, pubPtr: usize): void {
  memory.copy(slot + SLOT_KEY, pubPtr, PUBLIC_KEY_LEN);
  memory.copy(slot + SLOT_NEGATED_KEY, DECODED, 3 * FE_BYTES);
  buildOddMultiples(slot + SLOT_TABLES, DECODED);
  store<u32>(slot + SLOT_PARTS, 1);
}

/** Adds the tables of 2^(PART_BITS·j)·(−A), 0 < j < SCALAR_PARTS, to a slot holding part 0. */
function completeKeySlot(slot: usize): void {
  memory.copy(DECODED, slot + SLOT_NEGATED_KEY, 3 * FE_BYTES);
  for (let part: usize = 1; part < <usize>SCALAR_PARTS; part++) {
    doubleTimes(DECODED, PART_BITS);
    buildOddMultiples(slot + SLOT_TABLES + part * A_PART_BYTES, DECODED);
  }
  store<u32>(slot + SLOT_PARTS, SCALAR_PARTS);
}

/**
 * The slot with the tables of −A for the public key at `pubPtr`, decoded as `decode` does, or
 * NO_SLOT when the key has no x.
 */
function verificationKeySlot(pubPtr: usize): i32 {
  const found = findKeySlot(pubPtr);
  if (found != NO_SLOT) {
    const slot = slotAddress(found);
    if (load<u32>(slot + SLOT_PARTS) != SCALAR_PARTS) completeKeySlot(slot);
    return found;
  }
  if (!decode(DECODED, pubPtr)) return NO_SLOT;
  feNeg(DECODED + X, DECODED + X);
  feNeg(DECODED + T, DECODED + T);
  const victim = <i32>nextVictim;
  nextVictim = (nextVictim + 1) % KEY_SLOTS;
  storeKey(slotAddress(victim), pubPtr);
  return victim;
}

// -------------------------------------------------------------------------- Ed25519

/** The clamped secret scalar s (RFC 8032 §5.1.5 steps 2–3) in EXPANDED[0, 32), prefix after. */
function expandSeed(seedPtr: usize): void {
  sha512Init();
  sha512Update(seedPtr, SEED_LEN);
  sha512Final(EXPANDED);
  store<u8>(EXPANDED, load<u8>(EXPANDED) & 248);
  store<u8>(EXPANDED, (load<u8>(EXPANDED, 31) & 127) | 64, 31);
}

/** The public key of the 32-byte seed at `seedPtr` (RFC 8032 §5.1.5), written at `outPtr`. */
export function ed25519PublicKey(seedPtr: usize, outPtr: usize): void {
  expandSeed(seedPtr);
  scalarMultBase(ACC, EXPANDED);
  encode(outPtr, ACC);
}

/**
 * Go's `ed25519.Sign` (RFC 8032 §5.1.6) of `msgLen` bytes at `msgPtr` with the 64-byte private key
 * seed ‖ public half at `keyPtr`: the challenge hashes the stored public half, whether or not it
 * is the public key of the seed. Writes R ‖ S (64 bytes) at `sigPtr`, which must not overlap the
 * key or the message.
 */
export function ed25519Sign(keyPtr: usize, msgPtr: usize, msgLen: u32, sigPtr: usize): void {
  expandSeed(keyPtr);
  // r = SHA-512(prefix ‖ M) mod L.
  sha512Init();
  sha512Update(EXPANDED + 32, 32);
  sha512Update(msgPtr, msgLen);
  sha512Final(NONCE);
  scReduce(NONCE, NONCE);
  // R = [r]B.
  scalarMultBase(ACC, NONCE);
  encode(sigPtr, ACC);
  // k = SHA-512(R ‖ public half ‖ M) mod L.
  sha512Init();
  sha512Update(sigPtr, 32);
  sha512Update(keyPtr + SEED_LEN, PUBLIC_KEY_LEN);
  sha512Update(msgPtr, msgLen);
  sha512Final(CHALLENGE);
  scReduce(CHALLENGE, CHALLENGE);
  // S = (r + k·s) mod L.
  scMulAdd(sigPtr + 32, CHALLENGE, EXPANDED, NONCE);
}

/**
 * Go's `ed25519.Verify` verdict on the 64-byte signature at `sigPtr` of `msgLen` bytes at `msgPtr`
 * under the 32-byte public key at `pubPtr`:
 *
 * - S = signature[32:64] must be below L, unreduced (RFC 8032 §5.1.7 step 1, Go's `scMinimal`).
 * - A decodes permissively (`decode`); only a y without an x is refused. Its tables come from
 *   the verification key cache, keyed by the exact bytes, or are built and stored there.
 * - k = SHA-512(R ‖ A ‖ M) mod L over the bytes as received.
 * - The check is cofactorless: the encoding of [S]B − [k]A must equal R byte for byte, so a
 *   non-canonical R never matches. RFC 8032 also allows the cofactored [8][S]B = [8]R + [8][k]A,
 *   which accepts signatures Go refuses; E4 must answer as the Go clients of its fleet do.
 */
export function ed25519Verify(pubPtr: usize, msgPtr: usize, msgLen: u32, sigPtr: usize): bool {
  if (!scIsCanonical(sigPtr + 32)) return false;
  const keySlot = verificationKeySlot(pubPtr);
  if (keySlot == NO_SLOT) return false;
  sha512Init();
  sha512Update(sigPtr, 32);
  sha512Update(pubPtr, PUBLIC_KEY_LEN);
  sha512Update(msgPtr, msgLen);
  sha512Final(CHALLENGE);
  scReduce(CHALLENGE, CHALLENGE);
  // [S]B − [k]A = [k](−A) + [S]B.
  doubleScalarMultVartime(ACC2, CHALLENGE, slotAddress(keySlot), sigPtr + 32);
  encode(ENCODED, ACC2);
  let diff: u64 = 0;
  for (let i: usize = 0; i < 32; i += 8) diff |= load<u64>(ENCODED + i) ^ load<u64>(sigPtr + i);
  return diff == 0;
}

// ------------------------------------------------------------- Montgomery u-coordinates

/**
 * The Montgomery u of the extended point p: u = (1 + y) / (1 − y) = (Z + Y) / (Z − Y), the
 * birational map of RFC 7748 §4.1. The inverse is z^(p − 2), so y = 1 (the identity) gives u = 0,
 * as in Go. Constant time.
 */
function montgomeryU(outPtr: usize, p: usize): void {
  feAdd(FE_B, p + Z, p + Y);
  feSub(FE_C, p + Z, p + Y);
  feInvert(FE_C, FE_C);
  feMul(FE_B, FE_B, FE_C);
  feToBytes(outPtr, FE_B);
}

/**
 * X25519 of the 32-byte scalar at `scalarPtr` and the base point u = 9 (RFC 7748 §6.1), written
 * at `outPtr`: the clamped scalar times the Ed25519 base point, which maps to u = 9, through the
 * fixed-base table. Constant time.
 */
export function x25519BaseViaEdwards(scalarPtr: usize, outPtr: usize): void {
  memory.copy(EXPANDED, scalarPtr, 32);
  store<u8>(EXPANDED, load<u8>(EXPANDED) & 248);
  store<u8>(EXPANDED, (load<u8>(EXPANDED, 31) & 127) | 64, 31);
  scalarMultBase(ACC, EXPANDED);
  montgomeryU(outPtr, ACC);
}

/**
 * e4go's extra25519 `PrivateKeyToCurve25519`: the clamped first half of SHA-512(seed) of the
 * 64-byte private key at `keyPtr` (its Ed25519 secret scalar, RFC 8032 §5.1.5), 32 bytes at
 * `outPtr`.
 */
export function edPrivateToCurve(keyPtr: usize, outPtr: usize): void {
  expandSeed(keyPtr);
  memory.copy(outPtr, EXPANDED, 32);
}

/**
 * e4go's extra25519 `PublicKeyToCurve25519`: the Montgomery u of the 32-byte Ed25519 public key
 * at `pubPtr` (decoded as Go decodes it), 32 bytes at `outPtr`. False when the key has no x.
 */
export function edPublicToCurve(pubPtr: usize, outPtr: usize): bool {
  if (!decode(DECODED, pubPtr)) return false;
  montgomeryU(outPtr, DECODED);
  return true;
}

/** Zeroes every point, digit, hash and scalar this file keeps. */
export function wipeEd25519Scratch(): void {
  wipe(SCRATCH, SCRATCH_BYTES);
  wipe(DIGITS, 512);
  wipe(NAF_SCALAR, 40);
  wipe(EXPANDED, HASH_BYTES);
  wipe(NONCE, HASH_BYTES);
  wipe(CHALLENGE, HASH_BYTES);
  wipe(ENCODED, 32);
}

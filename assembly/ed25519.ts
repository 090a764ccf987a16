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
 * Scratch: the points and digit buffers below; `wipeEd25519Scratch` zeroes them all.
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

/** Cached odd multiples A, 3A, …, 15A of verification's public key: sliding-window digits ≤ 15. */
const A_MULTIPLES: usize = 8;
const A_MAX_DIGIT: i32 = 15;
/** Odd multiples B, 3B, …, 63B from the static table: digits ≤ 63. */
const B_MAX_DIGIT: i32 = 63;

const SCRATCH_BYTES: usize = 4 * POINT_BYTES + 3 * FE_BYTES + 2 * PRECOMPUTED_BYTES + A_MULTIPLES * POINT_BYTES;
const SCRATCH = memory.data(<i32>SCRATCH_BYTES, 8);
/** A completed point: every sum and double lands here. */
const SUM: usize = SCRATCH;
/** The running point, extended. */
const ACC: usize = SCRATCH + POINT_BYTES;
/** The running point, projective (the doubling input), and a second extended point. */
const ACC2: usize = SCRATCH + 2 * POINT_BYTES;
/** A decoded point (verification's −A, edPublicToCurve's key). */
const DECODED: usize = SCRATCH + 3 * POINT_BYTES;
const FE_A: usize = SCRATCH + 4 * POINT_BYTES;
const FE_B: usize = FE_A + FE_BYTES;
const FE_C: usize = FE_B + FE_BYTES;
/** The table entry selected for a digit, and its negation. */
const SELECTED: usize = FE_C + FE_BYTES;
const NEGATED: usize = SELECTED + PRECOMPUTED_BYTES;
const CACHED_MULTIPLES: usize = NEGATED + PRECOMPUTED_BYTES;

/** Signed digits: 64 radix-16 digits of a secret scalar, or 2 × 256 sliding-window digits. */
const DIGITS = memory.data(512, 8);
const A_DIGITS: usize = DIGITS;
const B_DIGITS: usize = DIGITS + 256;

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
 * Sliding-window signed digits of the 32-byte a: r[i] ∈ {0, ±1, ±3, …, ±maxDigit}, a = Σ r[i]·2^i,
 * each nonzero digit followed by zeros (ref10's `slide`, with the window a parameter).
 */
function slide(r: usize, aPtr: usize, maxDigit: i32): void {
  for (let i: usize = 0; i < 256; i++) {
    store<i8>(r + i, <i8>((load<u8>(aPtr + (i >> 3)) >> <u8>(i & 7)) & 1));
  }
  for (let i: usize = 0; i < 256; i++) {
    if (load<i8>(r + i) == 0) continue;
    for (let b: usize = 1; b <= 6 && i + b < 256; b++) {
      const next = <i32>load<i8>(r + i + b);
      if (next == 0) continue;
      const current = <i32>load<i8>(r + i);
      if (current + (next << <i32>b) <= maxDigit) {
        store<i8>(r + i, <i8>(current + (next << <i32>b)));
        store<i8>(r + i + b, 0);
      } else if (current - (next << <i32>b) >= -maxDigit) {
        store<i8>(r + i, <i8>(current - (next << <i32>b)));
        for (let k = i + b; k < 256; k++) {
          if (load<i8>(r + k) == 0) {
            store<i8>(r + k, 1);
            break;
          }
          store<i8>(r + k, 0);
        }
      } else {
        break;
      }
    }
  }
}

/**
 * r (projective) = [a]A + [b]B for 32-byte a, b below 2^253 and A extended, in variable time
 * (Straus's method with sliding windows: one chain of doublings, additions of odd multiples of
 * A computed here and of B from the static table).
 */
function doubleScalarMultVartime(r: usize, aPtr: usize, A: usize, bPtr: usize): void {
  slide(A_DIGITS, aPtr, A_MAX_DIGIT);
  slide(B_DIGITS, bPtr, B_MAX_DIGIT);

  // CACHED_MULTIPLES[j] = (2j + 1)·A.
  extendedToCached(CACHED_MULTIPLES, A);
  double(SUM, A);
  completedToExtended(ACC2, SUM); //       2A
  for (let j: usize = 0; j < A_MULTIPLES - 1; j++) {
    addCached(SUM, ACC2, CACHED_MULTIPLES + j * POINT_BYTES, false);
    completedToExtended(ACC, SUM);
    extendedToCached(CACHED_MULTIPLES + (j + 1) * POINT_BYTES, ACC);
  }

  feZero(r + X);
  feOne(r + Y);
  feOne(r + Z);
  let i: i32 = 255;
  while (i >= 0 && load<i8>(A_DIGITS + i) == 0 && load<i8>(B_DIGITS + i) == 0) i--;
  for (; i >= 0; i--) {
    double(SUM, r);
    const da = <i32>load<i8>(A_DIGITS + i);
    const db = <i32>load<i8>(B_DIGITS + i);
    if (da != 0) {
      completedToExtended(ACC, SUM);
      const index = <usize>((da < 0 ? -da : da) >> 1);
      addCached(SUM, ACC, CACHED_MULTIPLES + index * POINT_BYTES, da < 0);
    }
    if (db != 0) {
      completedToExtended(ACC, SUM);
      const index = <usize>((db < 0 ? -db : db) >> 1);
      addPrecomputed(SUM, ACC, BASE_ODD_MULTIPLES + index * PRECOMPUTED_BYTES, db < 0);
    }
    completedToProjective(r, SUM);
  }
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
 * - A decodes permissively (`decode`); only a y without an x is refused.
 * - k = SHA-512(R ‖ A ‖ M) mod L over the bytes as received.
 * - The check is cofactorless: the encoding of [S]B − [k]A must equal R byte for byte, so a
 *   non-canonical R never matches. RFC 8032 also allows the cofactored [8][S]B = [8]R + [8][k]A,
 *   which accepts signatures Go refuses; E4 must answer as the Go clients of its fleet do.
 */
export function ed25519Verify(pubPtr: usize, msgPtr: usize, msgLen: u32, sigPtr: usize): bool {
  if (!scIsCanonical(sigPtr + 32)) return false;
  if (!decode(DECODED, pubPtr)) return false;
  sha512Init();
  sha512Update(sigPtr, 32);
  sha512Update(pubPtr, PUBLIC_KEY_LEN);
  sha512Update(msgPtr, msgLen);
  sha512Final(CHALLENGE);
  scReduce(CHALLENGE, CHALLENGE);
  // [S]B − [k]A = [k](−A) + [S]B.
  feNeg(DECODED + X, DECODED + X);
  feNeg(DECODED + T, DECODED + T);
  doubleScalarMultVartime(ACC2, CHALLENGE, DECODED, sigPtr + 32);
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
  wipe(EXPANDED, HASH_BYTES);
  wipe(NONCE, HASH_BYTES);
  wipe(CHALLENGE, HASH_BYTES);
  wipe(ENCODED, 32);
}

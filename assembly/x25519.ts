/**
 * X25519 (RFC 7748 §5): the Montgomery ladder on u-coordinates, in constant time.
 *
 * The scalar is clamped (§5 `decodeScalar25519`); the top bit of u is ignored and a u ≥ p is
 * used as its remainder (§5 `decodeUCoordinate`, field25519.ts `feFromBytes`). Each of the 255
 * ladder steps swaps the two points with a mask made from one scalar bit (§5 `cswap`), so the
 * sequence of operations and of memory addresses is the same for every scalar. The all-zero
 * result (u of small order, §6.1) is reported to the caller, which refuses it as Go does.
 *
 * Scratch: the ladder's points and temporaries, and the clamped scalar; `wipeX25519Scratch`
 * zeroes them.
 */

import { wipe } from "./bytes";
import {
  FE_BYTES,
  feAdd,
  feCopy,
  feCswap,
  feFromBytes,
  feInvert,
  feIsZero,
  feMul,
  feMulSmall,
  feOne,
  feSquare,
  feSub,
  feToBytes,
  feZero,
} from "./field25519";

/** (A − 2) / 4 for Curve25519's A = 486662 (RFC 7748 §5). */
const A24: i64 = 121665;

const SCRATCH_BYTES: usize = 11 * FE_BYTES;
const SCRATCH = memory.data(<i32>SCRATCH_BYTES, 8);
const X1: usize = SCRATCH;
const X2: usize = X1 + FE_BYTES;
const Z2: usize = X2 + FE_BYTES;
const X3: usize = Z2 + FE_BYTES;
const Z3: usize = X3 + FE_BYTES;
const TA: usize = Z3 + FE_BYTES;
const TAA: usize = TA + FE_BYTES;
const TB: usize = TAA + FE_BYTES;
const TBB: usize = TB + FE_BYTES;
const TE: usize = TBB + FE_BYTES;
const TDA: usize = TE + FE_BYTES;
const CLAMPED = memory.data(32, 8);

/**
 * Writes X25519(scalar, u) at `outPtr` (32 bytes; may overlap either input) for the 32-byte
 * scalar at `scalarPtr` and u-coordinate at `uPtr`. Returns false when the result is all zero.
 */
export function x25519(outPtr: usize, scalarPtr: usize, uPtr: usize): bool {
  memory.copy(CLAMPED, scalarPtr, 32);
  store<u8>(CLAMPED, load<u8>(CLAMPED) & 248);
  store<u8>(CLAMPED, (load<u8>(CLAMPED, 31) & 127) | 64, 31);

  feFromBytes(X1, uPtr);
  feOne(X2);
  feZero(Z2);
  feCopy(X3, X1);
  feOne(Z3);
  let swap: i32 = 0;
  for (let t: i32 = 254; t >= 0; t--) {
    const bit = <i32>(load<u8>(CLAMPED + (<usize>t >> 3)) >> <u8>(t & 7)) & 1;
    swap ^= bit;
    feCswap(X2, X3, swap);
    feCswap(Z2, Z3, swap);
    swap = bit;
    // RFC 7748 §5, one ladder step; TB and TE hold C and D on the way.
    feAdd(TA, X2, Z2); //              A = x2 + z2
    feSub(TB, X2, Z2); //              B = x2 − z2
    feAdd(TE, X3, Z3); //              C = x3 + z3
    feSub(TDA, X3, Z3); //             D = x3 − z3
    feMul(TDA, TDA, TA); //            DA = D·A
    feMul(TE, TE, TB); //              CB = C·B
    feSquare(TAA, TA); //              AA = A²
    feSquare(TBB, TB); //              BB = B²
    feAdd(X3, TDA, TE);
    feSquare(X3, X3); //               x3 = (DA + CB)²
    feSub(Z3, TDA, TE);
    feSquare(Z3, Z3);
    feMul(Z3, Z3, X1); //              z3 = x1·(DA − CB)²
    feMul(X2, TAA, TBB); //            x2 = AA·BB
    feSub(TE, TAA, TBB); //            E = AA − BB
    feMulSmall(TA, TE, A24);
    feAdd(TA, TA, TAA);
    feMul(Z2, TE, TA); //              z2 = E·(AA + a24·E)
  }
  feCswap(X2, X3, swap);
  feCswap(Z2, Z3, swap);
  feInvert(Z2, Z2);
  feMul(X2, X2, Z2);
  feToBytes(outPtr, X2);
  return feIsZero(X2) == 0;
}

/** Zeroes the ladder state and the clamped scalar. */
export function wipeX25519Scratch(): void {
  wipe(SCRATCH, SCRATCH_BYTES);
  wipe(CLAMPED, 32);
}

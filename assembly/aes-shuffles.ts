/**
 * ShiftRows and the column rotations of MixColumns (FIPS 197 §5.1.2, §5.1.3) as byte permutations
 * of a v128 whose byte i is byte i of the AES state (column i / 4, row i % 4), shared by the
 * bitsliced rounds of aes-ct.ts (on each plane) and the one-block rounds of aes-ct-block.ts (on
 * the state).
 *
 * Each is an `i8x16.swizzle` by a mask read from PERMUTATIONS rather than an `i8x16.shuffle`
 * with constant lanes: V8 (Node 20) rebuilds a shuffle's 16 lanes from two 64-bit immediates at
 * every use, four instructions before the byte shuffle itself, where a swizzle by a loaded mask
 * costs a load and a saturating add. Measured: 13% more messages/s through a packed batch on the
 * bitsliced rounds, 12% more one-message opens on the one-block rounds. Every mask is public, and
 * a swizzle reads no memory.
 *
 * Both cores leave ShiftRows out of their rounds, which saves a permutation in every round (of
 * each plane in the bitsliced rounds: 3 to 7% more messages/s through a packed batch, measured):
 * after round k the state's bytes sit where ShiftRows⁻ᵏ moves them (SubBytes, bytewise, is the
 * same on either), so round k's MixColumns rotates by the rotations conjugated by ShiftRowsᵏ:
 * row r of column c takes row r + i of column c + i·k (mod 4) for a rotation by i rows.
 * ShiftRows⁴ is the identity, so k mod 4 picks the mask. Round keys 1..Nr − 1 are stored moved
 * by ShiftRows⁻ᵏ like the state they are added to, and the last round puts the state back with
 * ShiftRowsᴺʳ before its key.
 */

/** The masks, 16 bytes each: lane i of a result is lane mask[i] of the input. */
// @ts-ignore: decorator
@lazy const PERMUTATIONS = memory.data<u8>([
  // ShiftRows^j, j = 0..3; ShiftRows: byte 4c + r takes byte 4((c + r) mod 4) + r.
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
  0, 5, 10, 15, 4, 9, 14, 3, 8, 13, 2, 7, 12, 1, 6, 11,
  0, 9, 2, 11, 4, 13, 6, 15, 8, 1, 10, 3, 12, 5, 14, 7,
  0, 13, 10, 7, 4, 1, 14, 11, 8, 5, 2, 15, 12, 9, 6, 3,
  // The rotation by one row in a round k, k mod 4 = 0..3: for k = 0, each column rotated up one row.
  1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12,
  5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12, 1, 2, 3, 0,
  9, 10, 11, 8, 13, 14, 15, 12, 1, 2, 3, 0, 5, 6, 7, 4,
  13, 14, 15, 12, 1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8,
  // The rotation by two rows in a round k, k mod 2 = 0..1 (it moves columns by 2k).
  2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13,
  10, 11, 8, 9, 14, 15, 12, 13, 2, 3, 0, 1, 6, 7, 4, 5,
  // The rotation by three rows in a round k, k mod 4 = 0..3.
  3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14,
  15, 12, 13, 14, 3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10,
  11, 8, 9, 10, 15, 12, 13, 14, 3, 0, 1, 2, 7, 4, 5, 6,
  7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14, 3, 0, 1, 2,
], 16);
const SHIFT_ROWS_POWERS: usize = 0;
const ROTATE_1_IN_ROUND: usize = 64;
const ROTATE_2_IN_ROUND: usize = 128;
const ROTATE_3_IN_ROUND: usize = 160;

/** The mask of ShiftRowsⁿ. */
// @ts-ignore: decorator
@inline
export function shiftRowsPower(n: u32): v128 {
  return v128.load(PERMUTATIONS + SHIFT_ROWS_POWERS + ((<usize>n & 3) << 4));
}

/** The mask of round `round`'s rotation by one row. */
// @ts-ignore: decorator
@inline
export function rotate1InRound(round: u32): v128 {
  return v128.load(PERMUTATIONS + ROTATE_1_IN_ROUND + ((<usize>round & 3) << 4));
}

/** The mask of round `round`'s rotation by two rows. */
// @ts-ignore: decorator
@inline
export function rotate2InRound(round: u32): v128 {
  return v128.load(PERMUTATIONS + ROTATE_2_IN_ROUND + ((<usize>round & 1) << 4));
}

/** The mask of round `round`'s rotation by three rows. */
// @ts-ignore: decorator
@inline
export function rotate3InRound(round: u32): v128 {
  return v128.load(PERMUTATIONS + ROTATE_3_IN_ROUND + ((<usize>round & 3) << 4));
}

/**
 * Where round key `round` of `rounds` is stored: the mask of ShiftRows⁻ʳᵒᵘⁿᵈ, the identity for
 * the last round key, added once the state is back in place.
 */
// @ts-ignore: decorator
@inline
export function roundKeyPlacement(round: u32, rounds: u32): v128 {
  return shiftRowsPower(round == rounds ? 0 : 4 - (round & 3));
}

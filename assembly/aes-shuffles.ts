/**
 * ShiftRows and the column rotations of MixColumns (FIPS 197 §5.1.2, §5.1.3) as byte permutations
 * of a v128 whose byte i is byte i of the AES state (column i / 4, row i % 4): one
 * `i8x16.shuffle` with constant lanes each, shared by the bitsliced rounds of aes-ct.ts (on each
 * plane) and the one-block rounds of aes-ct-block.ts (on the state).
 */

/** ShiftRows: byte 4c + r takes byte 4((c + r) mod 4) + r. */
// @ts-ignore: decorator
@inline
export function shiftRows(a: v128): v128 {
  return i8x16.shuffle(a, a, 0, 5, 10, 15, 4, 9, 14, 3, 8, 13, 2, 7, 12, 1, 6, 11);
}

/** ShiftRows, then each column rotated up one row: byte 4c + r takes row r + 1 of ShiftRows. */
// @ts-ignore: decorator
@inline
export function shiftRowsRotate1(a: v128): v128 {
  return i8x16.shuffle(a, a, 5, 10, 15, 0, 9, 14, 3, 4, 13, 2, 7, 8, 1, 6, 11, 12);
}

/** ShiftRows, then each column rotated up three rows (down one). */
// @ts-ignore: decorator
@inline
export function shiftRowsRotate3(a: v128): v128 {
  return i8x16.shuffle(a, a, 15, 0, 5, 10, 3, 4, 9, 14, 7, 8, 13, 2, 11, 12, 1, 6);
}

/** Each column rotated up one row. */
// @ts-ignore: decorator
@inline
export function rotate1(a: v128): v128 {
  return i8x16.shuffle(a, a, 1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12);
}

/** Each column rotated up two rows. */
// @ts-ignore: decorator
@inline
export function rotate2(a: v128): v128 {
  return i8x16.shuffle(a, a, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
}

/**
 * Constant-time comparison of byte strings.
 */

/**
 * True when `a` and `b` hold the same bytes. Lengths are public and compared first; the bytes
 * are then all visited, their differences ORed together, so the time taken does not depend on
 * where the first difference lies (an early exit would let an attacker forge a tag byte by byte).
 */
export function ctEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

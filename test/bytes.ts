/** Byte-array equality for large arrays: vitest's deep equality walks element by element. */
import { expect } from 'vitest';

export function expectSameBytes(actual: Uint8Array, expected: Uint8Array): void {
  if (actual.length === expected.length && Buffer.from(actual.buffer, actual.byteOffset, actual.length).equals(expected)) return;
  // On a mismatch, let vitest show the difference.
  expect(actual).toEqual(expected);
}

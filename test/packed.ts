/** Packed AES-SIV batches for the backend suites: build one, and read its results by value. */
import type { PackedSivBatch } from '../src/backends/backend.ts';
import { codeOfBatchStatus } from '../src/batchStatus.ts';

/** Messages (timestamp ‖ tag ‖ ciphertext) laid out back to back, each under `sivKeys[keyIndexes[i]]`. */
export function packSiv(sivKeys: Uint8Array[], keyIndexes: readonly number[], messages: readonly Uint8Array[]): PackedSivBatch {
  const offsets = new Uint32Array(messages.length + 1);
  messages.forEach((m, i) => (offsets[i + 1] = offsets[i] + m.length));
  const data = new Uint8Array(offsets[messages.length]);
  messages.forEach((m, i) => data.set(m, offsets[i]));
  return { data, offsets, count: messages.length, sivKeys, keyIndexes: Int32Array.from(keyIndexes) };
}

/** Runs `open` on `batch` into a fresh `out`; each message's plaintext bytes, or its error code. */
export function openedByValue(
  open: (batch: PackedSivBatch, out: Uint8Array, status: Uint8Array) => void,
  batch: PackedSivBatch,
): (number[] | string)[] {
  const out = new Uint8Array(batch.offsets[batch.count]);
  const status = new Uint8Array(batch.count).fill(255);
  open(batch, out, status);
  return Array.from(status, (s, i) =>
    s === 0 ? Array.from(out.subarray(batch.offsets[i] + 24, batch.offsets[i + 1])) : (codeOfBatchStatus(s) ?? 'ok'),
  );
}

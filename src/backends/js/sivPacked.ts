/**
 * `Backend.sivOpenPacked` on the table AES: a packed batch opened message by message in place,
 * with nothing allocated per message (the timestamp, the one associated-data string, is copied
 * into scratch rather than viewed). Apart from siv.ts so that the embedded build leaves it out.
 */
import { BATCH_OK, batchStatusOf } from '../../batchStatus.ts';
import { E4ErrorCode } from '../../errors.ts';
import { BATCH_AD_LEN, BATCH_HEADER_LEN, type PackedSivBatch } from '../backend.ts';
import { sivOpenAt, tableCipher } from './siv.ts';

const NOT_AUTHENTIC = batchStatusOf(E4ErrorCode.NotAuthentic);
const timestamp = new Uint8Array(BATCH_AD_LEN);
const ads: readonly Uint8Array[] = [timestamp];

export function sivOpenPacked(batch: PackedSivBatch, out: Uint8Array, status: Uint8Array): void {
  const { data, offsets, keyIndexes, sivKeys } = batch;
  for (let i = 0; i < batch.count; i++) {
    const key = keyIndexes[i];
    if (key < 0) continue;
    const start = offsets[i];
    for (let j = 0; j < BATCH_AD_LEN; j++) timestamp[j] = data[start + j];
    const len = offsets[i + 1] - start - BATCH_HEADER_LEN;
    const ok = sivOpenAt(tableCipher, tableCipher.keys(sivKeys[key]), ads, data, start + BATCH_AD_LEN, len, out, start + BATCH_HEADER_LEN);
    status[i] = ok ? BATCH_OK : NOT_AUTHENTIC;
  }
  timestamp.fill(0);
}

/**
 * The one-byte statuses of packed batch results (`unprotectPacked`), which carry no error
 * objects: 0 is success, n is the n-th code of E4ErrorCode in its declaration order. Codes are
 * only ever appended to that list, so a number keeps its meaning from one version to the next
 * (test/batch-status.test.ts pins them).
 */
import { E4ErrorCode } from './errors.ts';

export const BATCH_OK = 0;

const CODES: readonly E4ErrorCode[] = Object.keys(E4ErrorCode).map(function (name) {
  return E4ErrorCode[name as keyof typeof E4ErrorCode];
});

const NUMBERS = new Map<E4ErrorCode, number>(
  CODES.map(function (code, i): [E4ErrorCode, number] {
    return [code, i + 1];
  }),
);

/** The status byte of an error code. */
export function batchStatusOf(code: E4ErrorCode): number {
  return NUMBERS.get(code) ?? NUMBERS.get(E4ErrorCode.Internal)!;
}

/** The error code of a status byte; null for success, `Internal` for a number no code has. */
export function codeOfBatchStatus(status: number): E4ErrorCode | null {
  if (status === BATCH_OK) return null;
  return status > 0 && status <= CODES.length ? CODES[status - 1] : E4ErrorCode.Internal;
}

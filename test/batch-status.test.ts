/** The status bytes of packed batch results keep their numbers: a server may store or forward them. */
import { describe, expect, it } from 'vitest';
import { BATCH_OK, batchStatusOf, codeOfBatchStatus } from '../src/batchStatus.ts';
import { E4ErrorCode } from '../src/errors.ts';

const PINNED = [
  'InvalidArgument', 'InvalidKeyLength', 'ZeroKey', 'TooManyAds', 'InputTooLarge', 'CiphertextTooShort',
  'NotAuthentic', 'InvalidUtf8', 'InvalidPassword', 'InvalidTopic', 'InvalidName', 'InvalidArgon2Params',
  'OutOfMemory', 'NotInitialized', 'BackendUnavailable', 'Internal', 'MessageTooShort', 'TimestampTooOld',
  'TimestampInFuture', 'TopicKeyNotFound', 'SignerPublicKeyNotFound', 'InvalidSignature', 'InvalidCommand',
  'InvalidCommandLength', 'UnsupportedOperation', 'PubKeyNotFound', 'InvalidPublicKey', 'InvalidId',
  'EmptyPayload', 'InvalidState', 'StoreFailed', 'PoolClosed', 'NotFound', 'AlreadyExists', 'Conflict',
  'Unauthorized', 'Forbidden', 'RateLimited', 'KekMismatch', 'DatabaseFailed', 'CommandFailed',
];

describe('batch status bytes', () => {
  it('number the codes from 1 in their published order; new codes only append', () => {
    const codes = Object.values(E4ErrorCode);
    expect(codes.slice(0, PINNED.length)).toEqual(PINNED);
    PINNED.forEach((code, i) => {
      expect(batchStatusOf(code as E4ErrorCode)).toBe(i + 1);
      expect(codeOfBatchStatus(i + 1)).toBe(code);
    });
    expect(codes.length).toBeLessThan(256);
  });

  it('0 is success; a number no code has reads as Internal', () => {
    expect(BATCH_OK).toBe(0);
    expect(codeOfBatchStatus(0)).toBeNull();
    expect(codeOfBatchStatus(255)).toBe(E4ErrorCode.Internal);
    expect(batchStatusOf('NoSuchCode' as E4ErrorCode)).toBe(batchStatusOf(E4ErrorCode.Internal));
  });
});

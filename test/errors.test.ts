/**
 * Bad input gets a typed E4Error with a stable code, on every backend; each test would fail if
 * its check were removed, and no input, however odd, makes anything else escape.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { E4ErrorCode, isE4Error, type E4ErrorCode as Code } from '../src/errors.ts';
import {
  aesSivOpen,
  aesSivOpenInto,
  aesSivSeal,
  aesSivSealInto,
  argon2i,
  deriveKeyFromPassword,
  hashTopic,
  idFromName,
  sha3_256,
} from '../src/primitives.ts';
import { BACKENDS, useBackend } from './backends.ts';

function codeOf(f: () => unknown): Code | 'no error' | 'not an E4Error' {
  try {
    f();
    return 'no error';
  } catch (e) {
    return isE4Error(e) ? e.code : 'not an E4Error';
  }
}

const key = new Uint8Array(64).fill(7);
const ad = [new Uint8Array([1, 2, 3])];

describe.each(BACKENDS)('typed errors on %s', (name) => {
  useBackend(name);

  it.each([0, 16, 31, 33, 47, 49, 63, 65])('refuses a %i-byte SIV key', (len) => {
    expect(codeOf(() => aesSivSeal(new Uint8Array(len).fill(1), ad, new Uint8Array(3)))).toBe(
      E4ErrorCode.InvalidKeyLength,
    );
    expect(codeOf(() => aesSivOpen(new Uint8Array(len).fill(1), ad, new Uint8Array(20)))).toBe(
      E4ErrorCode.InvalidKeyLength,
    );
  });

  it.each([32, 48, 64])('refuses an all-zero %i-byte SIV key', (len) => {
    expect(codeOf(() => aesSivSeal(new Uint8Array(len), ad, new Uint8Array(3)))).toBe(E4ErrorCode.ZeroKey);
    expect(codeOf(() => aesSivOpen(new Uint8Array(len), ad, new Uint8Array(20)))).toBe(E4ErrorCode.ZeroKey);
  });

  it('refuses values of the wrong type', () => {
    const bad = [null, undefined, 'text', [1, 2], 42, {}, new Uint16Array(32)];
    for (const value of bad) {
      expect(codeOf(() => aesSivSeal(value as never, ad, new Uint8Array(1)))).toBe(E4ErrorCode.InvalidArgument);
      expect(codeOf(() => aesSivSeal(key, value as never, new Uint8Array(1)))).toBe(E4ErrorCode.InvalidArgument);
      expect(codeOf(() => aesSivSeal(key, [value as never], new Uint8Array(1)))).toBe(E4ErrorCode.InvalidArgument);
      expect(codeOf(() => aesSivSeal(key, ad, value as never))).toBe(E4ErrorCode.InvalidArgument);
      expect(codeOf(() => aesSivOpen(key, ad, value as never))).toBe(E4ErrorCode.InvalidArgument);
      if (typeof value !== 'string') {
        expect(codeOf(() => sha3_256(value as never))).toBe(E4ErrorCode.InvalidArgument);
        expect(codeOf(() => hashTopic(value as never))).toBe(E4ErrorCode.InvalidArgument);
      }
    }
  });

  it('takes 126 associated-data strings and refuses 127 (RFC 5297 §2.4)', () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => new Uint8Array([i]));
    const sealed = aesSivSeal(key, many(126), new Uint8Array(5));
    expect(aesSivOpen(key, many(126), sealed).length).toBe(5);
    expect(codeOf(() => aesSivSeal(key, many(127), new Uint8Array(5)))).toBe(E4ErrorCode.TooManyAds);
    expect(codeOf(() => aesSivOpen(key, many(127), sealed))).toBe(E4ErrorCode.TooManyAds);
  });

  it.each([0, 1, 15])('refuses a %i-byte ciphertext (shorter than the tag)', (len) => {
    expect(codeOf(() => aesSivOpen(key, ad, new Uint8Array(len)))).toBe(E4ErrorCode.CiphertextTooShort);
  });

  it('refuses a wrong key, and the same key still opens afterwards', () => {
    const sealed = aesSivSeal(key, ad, new Uint8Array([9, 9, 9]));
    const other = new Uint8Array(64).fill(8);
    expect(codeOf(() => aesSivOpen(other, ad, sealed))).toBe(E4ErrorCode.NotAuthentic);
    expect(aesSivOpen(key, ad, sealed)).toEqual(new Uint8Array([9, 9, 9]));
  });

  it('refuses an output buffer that is too short or overlaps the input', () => {
    const pt = new Uint8Array(40).fill(3);
    expect(codeOf(() => aesSivSealInto(key, ad, pt, new Uint8Array(55)))).toBe(E4ErrorCode.InvalidArgument);
    const shared = new Uint8Array(200);
    shared.set(pt, 0);
    expect(codeOf(() => aesSivSealInto(key, ad, shared.subarray(0, 40), shared.subarray(30)))).toBe(
      E4ErrorCode.InvalidArgument,
    );
    expect(aesSivSealInto(key, ad, shared.subarray(0, 40), shared.subarray(40)).length).toBe(56);
    const sealed = aesSivSeal(key, ad, pt);
    expect(codeOf(() => aesSivOpenInto(key, ad, sealed, new Uint8Array(39)))).toBe(E4ErrorCode.InvalidArgument);
    expect(codeOf(() => aesSivOpenInto(key, ad, sealed, sealed))).toBe(E4ErrorCode.InvalidArgument);
    expect(codeOf(() => aesSivOpenInto(key, ad, sealed, 'out' as never))).toBe(E4ErrorCode.InvalidArgument);
  });

  it('leaves no plaintext in the output buffer when the tag does not match', () => {
    const pt = new Uint8Array(100).fill(0x61);
    const sealed = aesSivSeal(key, ad, pt);
    sealed[0] ^= 1;
    const out = new Uint8Array(100);
    expect(codeOf(() => aesSivOpenInto(key, ad, sealed, out))).toBe(E4ErrorCode.NotAuthentic);
    expect(out.every((b) => b === 0)).toBe(true);
  });

  it('refuses Argon2 inputs beyond 64 KiB together', () => {
    expect(argon2i(new Uint8Array(65504), '', { t: 1, m: 8, p: 1, dkLen: 32 }).length).toBe(32);
    expect(codeOf(() => argon2i(new Uint8Array(65505), '', { t: 1, m: 8, p: 1, dkLen: 32 }))).toBe(
      E4ErrorCode.InputTooLarge,
    );
  });

  it('refuses text with no UTF-8 form instead of hashing a replacement', () => {
    expect(codeOf(() => hashTopic('a\ud800b'))).toBe(E4ErrorCode.InvalidUtf8);
    expect(codeOf(() => idFromName('\udc00'))).toBe(E4ErrorCode.InvalidUtf8);
    expect(codeOf(() => deriveKeyFromPassword('0123456789abcdef\ud800'))).toBe(E4ErrorCode.InvalidPassword);
  });

  it('never lets anything but an E4Error escape, whatever the arguments', () => {
    const anything = fc.oneof(fc.anything(), fc.uint8Array({ maxLength: 80 }), fc.array(fc.uint8Array()));
    fc.assert(
      fc.property(anything, anything, anything, (a, b, c) => {
        const calls = [
          () => aesSivSeal(a as never, b as never, c as never),
          () => aesSivOpen(a as never, b as never, c as never),
          () => sha3_256(a as never),
          () => hashTopic(a as never),
          () => idFromName(a as never),
          () => argon2i(a as never, b as never, c as never),
        ];
        for (const call of calls) expect(codeOf(call)).not.toBe('not an E4Error');
      }),
      { numRuns: 300 },
    );
  });
});

describe('the WASM backend beyond its window limit', () => {
  useBackend('wasm');

  it('answers InputTooLarge past 64 MiB and keeps working', () => {
    const huge = new Uint8Array(64 * 1024 * 1024 + 1);
    expect(codeOf(() => aesSivSeal(key, [], huge))).toBe(E4ErrorCode.InputTooLarge);
    expect(codeOf(() => sha3_256(huge))).toBe(E4ErrorCode.InputTooLarge);
    const sealed = aesSivSeal(key, ad, new Uint8Array([1]));
    expect(aesSivOpen(key, ad, sealed)).toEqual(new Uint8Array([1]));
  });

  it('answers OutOfMemory when Argon2 would need more than 32-bit memory, and keeps working', () => {
    // 2^22 − 1 KiB of blocks plus the module's static data ends past 4 GiB: refused before any grow.
    expect(codeOf(() => argon2i('password', 'somesalt', { t: 1, m: 0x3fffff, p: 1, dkLen: 32 }))).toBe(
      E4ErrorCode.OutOfMemory,
    );
    expect(argon2i('password', 'somesalt', { t: 1, m: 64, p: 1, dkLen: 32 }).length).toBe(32);
  });

  it('grows for a large input, then still serves small ones', () => {
    const big = new Uint8Array(5 * 1024 * 1024).fill(0x5a);
    const sealed = aesSivSeal(key, ad, big);
    // Buffer.equals: a deep equality over 5 MiB element by element would take seconds.
    expect(Buffer.from(aesSivOpen(key, ad, sealed)).equals(big)).toBe(true);
    expect(aesSivOpen(key, ad, aesSivSeal(key, ad, new Uint8Array(3)))).toEqual(new Uint8Array(3));
  });
});

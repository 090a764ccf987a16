/**
 * Argon2i and Argon2id against two independent implementations (hash-wasm and @noble/hashes,
 * which need a salt of 8 bytes or more), on every backend; E4's empty salt is covered by the
 * Go vectors in e4go-primitives.test.ts.
 */
import { argon2i as nobleArgon2i, argon2id as nobleArgon2id } from '@noble/hashes/argon2.js';
import fc from 'fast-check';
import { argon2i as hwArgon2i, argon2id as hwArgon2id } from 'hash-wasm';
import { describe, expect, it } from 'vitest';
import { E4ErrorCode } from '../src/errors.ts';
import { argon2i, argon2id, deriveKeyFromPassword } from '../src/primitives.ts';
import { BACKENDS, useBackend } from './backends.ts';

const REFERENCES = {
  argon2i: { ours: argon2i, hashWasm: hwArgon2i, noble: nobleArgon2i },
  argon2id: { ours: argon2id, hashWasm: hwArgon2id, noble: nobleArgon2id },
};

describe.each(BACKENDS)('Argon2 on %s', (name) => {
  useBackend(name);

  it('matches hash-wasm and @noble/hashes on random parameters', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<'argon2i' | 'argon2id'>('argon2i', 'argon2id'),
        fc.uint8Array({ minLength: 1, maxLength: 64 }), // hash-wasm refuses an empty password
        fc.uint8Array({ minLength: 8, maxLength: 32 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 4, max: 100 }),
        async (type, password, salt, t, p, extra, dkLen) => {
          const m = 8 * p + extra;
          const ref = REFERENCES[type];
          const ours = ref.ours(password, salt, { t, m, p, dkLen });
          const hw = await ref.hashWasm({
            password,
            salt,
            iterations: t,
            memorySize: m,
            parallelism: p,
            hashLength: dkLen,
            outputType: 'binary',
          });
          expect(ours).toEqual(hw);
          expect(ours).toEqual(ref.noble(password, salt, { t, m, p, dkLen }));
        },
      ),
      { numRuns: 30 },
    );
  });

  it('accepts an empty salt', () => {
    const out = argon2i('password', new Uint8Array(0), { t: 1, m: 8, p: 1, dkLen: 32 });
    expect(out.length).toBe(32);
  });

  it.each([
    [{ t: 0, m: 64, p: 1, dkLen: 32 }],
    [{ t: 1, m: 7, p: 1, dkLen: 32 }],
    [{ t: 1, m: 31, p: 4, dkLen: 32 }],
    [{ t: 1, m: 64, p: 0, dkLen: 32 }],
    [{ t: 1, m: 64, p: 2 ** 24, dkLen: 32 }],
    [{ t: 1, m: 64, p: 1, dkLen: 3 }],
    [{ t: 1.5, m: 64, p: 1, dkLen: 32 }],
    [{ t: 1, m: 64, p: 1, dkLen: 65536 }],
    [{ t: 1, m: 2 ** 22, p: 1, dkLen: 32 }],
    [null],
  ])('refuses out-of-range parameters %o', (params) => {
    expect(() => argon2id('password', 'somesalt', params as never)).toThrow(
      expect.objectContaining({ code: E4ErrorCode.InvalidArgon2Params }),
    );
  });

  it('validates the password before deriving', () => {
    expect(() => deriveKeyFromPassword('short')).toThrow(expect.objectContaining({ code: E4ErrorCode.InvalidPassword }));
  });
});

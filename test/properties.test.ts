/**
 * Property tests: seal/open round trips, single-bit tampering, and byte-for-byte agreement of the
 * WASM and pure-JS backends on random inputs.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../src/backends/backend.ts';
import { jsBackend } from '../src/backends/js/index.ts';
import { compileWasmModules, createWasmBackend } from '../src/backends/wasm.ts';
import { E4ErrorCode, isE4Error } from '../src/errors.ts';
import { aesSivOpen, aesSivOpenInto, aesSivSeal, aesSivSealInto } from '../src/primitives.ts';
import { BACKENDS, useBackend } from './backends.ts';
import { expectSameBytes } from './bytes.ts';

/** Deterministic bytes from a seed (xorshift32), so a failing case replays from its seed alone. */
function bytesFromSeed(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed | 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const nonZero = (b: Uint8Array): boolean => b.some((x) => x !== 0);
const sivKey = fc.constantFrom(32, 48, 64).chain((n) => fc.uint8Array({ minLength: n, maxLength: n }).filter(nonZero));
const ads = fc.array(fc.uint8Array({ maxLength: 48 }), { maxLength: 4 });
/** Lengths 0..70000, biased toward the block and rate boundaries where bugs live. */
const length = fc.oneof(
  fc.integer({ min: 0, max: 70000 }),
  fc.integer({ min: 0, max: 80 }),
  fc.constantFrom(15, 16, 17, 31, 32, 33, 135, 136, 137, 65535, 65536, 65537, 70000),
);
const plaintext = fc.tuple(length, fc.integer()).map(([n, seed]) => bytesFromSeed(n, seed));

describe.each(BACKENDS)('AES-SIV properties on %s', (name) => {
  useBackend(name);

  it('opens what it seals, for random keys, ADs and lengths 0..70000', () => {
    fc.assert(
      fc.property(sivKey, ads, plaintext, (key, adList, pt) => {
        const sealed = aesSivSeal(key, adList, pt);
        expect(sealed.length).toBe(pt.length + 16);
        expectSameBytes(aesSivOpen(key, adList, sealed), pt);
      }),
      { numRuns: 150 },
    );
  });

  it('writes the same bytes into a caller-provided buffer', () => {
    fc.assert(
      fc.property(sivKey, ads, fc.uint8Array({ maxLength: 2000 }), fc.nat(40), (key, adList, pt, slack) => {
        const sealedOut = new Uint8Array(16 + pt.length + slack).fill(0xee);
        const sealed = aesSivSealInto(key, adList, pt, sealedOut);
        expect(sealed.buffer).toBe(sealedOut.buffer);
        expectSameBytes(sealed, aesSivSeal(key, adList, pt));
        expect(sealedOut.subarray(16 + pt.length).every((b) => b === 0xee)).toBe(true);
        const openedOut = new Uint8Array(pt.length + slack);
        expectSameBytes(aesSivOpenInto(key, adList, sealed, openedOut), pt);
      }),
      { numRuns: 100 },
    );
  });

  it('rejects any single flipped bit in tag or ciphertext', () => {
    fc.assert(
      fc.property(sivKey, ads, fc.uint8Array({ maxLength: 300 }), fc.nat(), (key, adList, pt, where) => {
        const sealed = aesSivSeal(key, adList, pt);
        const bit = where % (sealed.length * 8);
        sealed[bit >> 3] ^= 1 << (bit & 7);
        let caught: unknown = null;
        try {
          aesSivOpen(key, adList, sealed);
        } catch (e) {
          caught = e;
        }
        expect(isE4Error(caught, E4ErrorCode.NotAuthentic)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('rejects a changed associated-data list', () => {
    fc.assert(
      fc.property(sivKey, ads, fc.uint8Array({ maxLength: 64 }), (key, adList, pt) => {
        const sealed = aesSivSeal(key, adList, pt);
        const changed = adList.length === 0 ? [new Uint8Array(0)] : adList.slice(0, -1);
        expect(() => aesSivOpen(key, changed, sealed)).toThrow(/authentication failed/);
      }),
      { numRuns: 100 },
    );
  });
});

describe('WASM and JS backends agree byte for byte', () => {
  let wasm: Backend;
  beforeAll(async () => {
    wasm = createWasmBackend(await compileWasmModules());
  });

  it('AES-SIV seal and open', () => {
    fc.assert(
      fc.property(sivKey, ads, plaintext, (key, adList, pt) => {
        const sealed = wasm.sivSeal(key, adList, pt);
        expectSameBytes(jsBackend.sivSeal(key, adList, pt), sealed);
        expectSameBytes(jsBackend.sivOpen(key, adList, sealed), wasm.sivOpen(key, adList, sealed));
      }),
      { numRuns: 100 },
    );
  });

  it('SHA3-256', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (data) => {
        expect(jsBackend.sha3_256(data)).toEqual(wasm.sha3_256(data));
      }),
      { numRuns: 300 },
    );
  });

  it('AES, CTR and CMAC parts', () => {
    const aesKey = fc.constantFrom(16, 24, 32).chain((n) => fc.uint8Array({ minLength: n, maxLength: n }));
    const block = fc.uint8Array({ minLength: 16, maxLength: 16 });
    fc.assert(
      fc.property(aesKey, block, fc.uint8Array({ maxLength: 600 }), (key, iv, data) => {
        expect(jsBackend.parts.aesEncryptBlock(key, iv)).toEqual(wasm.parts.aesEncryptBlock(key, iv));
        expect(jsBackend.parts.aesCtr(key, iv, data)).toEqual(wasm.parts.aesCtr(key, iv, data));
        expect(jsBackend.parts.cmac(key, data)).toEqual(wasm.parts.cmac(key, data));
        expect(jsBackend.parts.dbl(iv)).toEqual(wasm.parts.dbl(iv));
      }),
      { numRuns: 200 },
    );
  });

  it('Argon2i and Argon2id with small parameters', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<'argon2i' | 'argon2id'>('argon2i', 'argon2id'),
        fc.uint8Array({ maxLength: 40 }),
        fc.uint8Array({ maxLength: 24 }),
        fc.record({ t: fc.integer({ min: 1, max: 3 }), p: fc.integer({ min: 1, max: 4 }), dkLen: fc.integer({ min: 4, max: 80 }) }),
        fc.integer({ min: 0, max: 64 }),
        (type, pwd, salt, { t, p, dkLen }, extra) => {
          const params = { t, p, m: 8 * p + extra, dkLen };
          expect(jsBackend.argon2(type, pwd, salt, params)).toEqual(wasm.argon2(type, pwd, salt, params));
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('the constant-time AES core agrees with the table core byte for byte', () => {
  let table: Backend;
  let ct: Backend;
  beforeAll(async () => {
    const modules = await compileWasmModules();
    table = createWasmBackend(modules, { aes: 'table' });
    ct = createWasmBackend(modules, { aes: 'ct' });
  });

  it('AES-SIV seal and open, and a tampered message refused by both', () => {
    fc.assert(
      fc.property(sivKey, ads, plaintext, fc.nat(), (key, adList, pt, where) => {
        const sealed = table.sivSeal(key, adList, pt);
        expectSameBytes(ct.sivSeal(key, adList, pt), sealed);
        expectSameBytes(ct.sivOpen(key, adList, sealed), pt);
        const bit = where % (sealed.length * 8);
        sealed[bit >> 3] ^= 1 << (bit & 7);
        expect(() => ct.sivOpen(key, adList, sealed)).toThrow(expect.objectContaining({ code: E4ErrorCode.NotAuthentic }));
      }),
      { numRuns: 150 },
    );
  });

  it('AES, CTR and CMAC parts, for every key length', () => {
    const aesKey = fc.constantFrom(16, 24, 32).chain((n) => fc.uint8Array({ minLength: n, maxLength: n }));
    const block = fc.uint8Array({ minLength: 16, maxLength: 16 });
    fc.assert(
      fc.property(aesKey, block, fc.uint8Array({ maxLength: 600 }), (key, iv, data) => {
        expect(ct.parts.aesEncryptBlock(key, iv)).toEqual(table.parts.aesEncryptBlock(key, iv));
        expect(ct.parts.aesCtr(key, iv, data)).toEqual(table.parts.aesCtr(key, iv, data));
        expect(ct.parts.cmac(key, data)).toEqual(table.parts.cmac(key, data));
      }),
      { numRuns: 200 },
    );
  });

  it('packed batches: messages of any length under many keys, some tampered, some skipped', () => {
    const message = fc.record({
      key: fc.nat(11),
      length: fc.oneof(fc.integer({ min: 0, max: 80 }), fc.integer({ min: 0, max: 1500 })),
      seed: fc.integer(),
      tamper: fc.option(fc.nat(), { freq: 4 }),
      skip: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 40 }), fc.integer(), (items, keySeed) => {
        // Keys 0..5 are topic ‖ topic as in E4; 6..11 have two different halves.
        const sivKeys = Array.from({ length: 12 }, (_, k) => {
          const half = bytesFromSeed(32, keySeed + k + 1);
          const key = new Uint8Array(64);
          key.set(half);
          key.set(k < 6 ? half : bytesFromSeed(32, keySeed - k - 1), 32);
          return key;
        });
        const parts = items.map((item) => {
          const timestamp = bytesFromSeed(8, item.seed ^ 0x5a5a);
          const sealed = table.sivSeal(sivKeys[item.key], [timestamp], bytesFromSeed(item.length, item.seed));
          if (item.tamper !== null) sealed[item.tamper % sealed.length] ^= 1;
          return [timestamp, sealed];
        });
        const offsets = new Uint32Array(items.length + 1);
        for (let i = 0; i < items.length; i++) offsets[i + 1] = offsets[i] + 8 + parts[i][1].length;
        const data = new Uint8Array(offsets[items.length]);
        parts.forEach(([timestamp, sealed], i) => {
          data.set(timestamp, offsets[i]);
          data.set(sealed, offsets[i] + 8);
        });
        const keyIndexes = Int32Array.from(items, (item) => (item.skip ? -1 : item.key));
        const batch = { data, offsets, count: items.length, sivKeys, keyIndexes };
        const tableOut = new Uint8Array(data.length);
        const ctOut = new Uint8Array(data.length);
        const tableStatus = new Uint8Array(items.length).fill(0xee);
        const ctStatus = new Uint8Array(items.length).fill(0xee);
        table.sivOpenPacked!(batch, tableOut, tableStatus);
        ct.sivOpenPacked!(batch, ctOut, ctStatus);
        expect(ctStatus).toEqual(tableStatus);
        for (let i = 0; i < items.length; i++) {
          if (tableStatus[i] === 0) expectSameBytes(ctOut.subarray(offsets[i] + 24, offsets[i + 1]), tableOut.subarray(offsets[i] + 24, offsets[i + 1]));
        }
      }),
      { numRuns: 60 },
    );
  });
});

/**
 * The curve module (assembly/curve-module.ts through src/backends/wasm-curves.ts) beyond the
 * vector suites that test/curves.test.ts runs on every provider: SHA-512 against node:crypto,
 * agreement with @noble/curves on random inputs (signature bytes, verdicts on valid and mutated
 * signatures, X25519, key maps, errors), messages larger than the initial window, secrets left
 * in memory, and the generated tables.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { TABLES_PATH, tablesSource } from '../build/gen-ed25519-tables.ts';
import { compileCurveModule, createWasmCurves, type WasmCurves } from '../src/backends/wasm-curves.ts';
import { E4ErrorCode, isE4Error } from '../src/errors.ts';
import { nobleCurves } from '../src/keys/curves.ts';
import { toHex } from '../src/utils.ts';
import { wasmCurves } from './curve-providers.ts';

const Point = ed25519.Point;
/** The order of the prime-order subgroup (RFC 8032 §5.1). */
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const P = 2n ** 255n - 19n;

const random = (n: number) => new Uint8Array(randomBytes(n));
const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
/** Messages across several SHA-512 blocks, with the 32- and 64-byte prefixes of Ed25519. */
const message = fc.uint8Array({ maxLength: 600 });

function numberLE(b: Uint8Array): bigint {
  let n = 0n;
  for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i]);
  return n;
}

function bytesLE(n: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++, n >>= 8n) out[i] = Number(n & 0xffn);
  return out;
}

function flipBit(b: Uint8Array, bit: number): Uint8Array {
  const out = b.slice();
  out[(bit >> 3) % out.length] ^= 1 << (bit & 7);
  return out;
}

/** The outcome of a call: its result as hex, or its error's code and message. */
function outcome(fn: () => Uint8Array | boolean): string {
  try {
    const r = fn();
    return typeof r === 'boolean' ? String(r) : toHex(r);
  } catch (e) {
    if (!isE4Error(e)) throw e;
    return e.code + ': ' + e.message;
  }
}

/** A point of order 8 (the torsion that the cofactored equation erases and Go does not). */
const T8 = Point.fromHex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a');

let wasm: WasmCurves;
let module: WebAssembly.Module;

beforeAll(async () => {
  module = await compileCurveModule();
  wasm = await wasmCurves();
});

describe('SHA-512 (FIPS 180-4) against node:crypto', () => {
  it('every length from 0 to 300 bytes (all padding cases of one and two blocks)', () => {
    const data = random(300);
    for (let n = 0; n <= 300; n++) {
      const expected = createHash('sha512').update(data.subarray(0, n)).digest('hex');
      expect(toHex(wasm.sha512(data.subarray(0, n))), 'length ' + n).toBe(expected);
    }
  });

  it('random data of random lengths up to 2000 bytes, from any byteOffset', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.nat({ max: 15 }), (data, shift) => {
        const shifted = new Uint8Array(data.length + shift).subarray(shift);
        shifted.set(data);
        expect(toHex(wasm.sha512(shifted))).toBe(createHash('sha512').update(data).digest('hex'));
      }),
      { numRuns: 300 },
    );
  });

  it('1 MiB, which grows the window', () => {
    const data = random(1 << 20);
    expect(toHex(wasm.sha512(data))).toBe(createHash('sha512').update(data).digest('hex'));
  });
});

describe('agreement with @noble/curves on random inputs', () => {
  it('public keys and private keys from seeds', () => {
    fc.assert(
      fc.property(bytes(32), (seed) => {
        expect(toHex(wasm.ed25519PublicKey(seed))).toBe(toHex(nobleCurves.ed25519PublicKey(seed)));
        expect(toHex(wasm.ed25519PrivateKeyFromSeed(seed))).toBe(toHex(nobleCurves.ed25519PrivateKeyFromSeed(seed)));
      }),
      { numRuns: 200 },
    );
  });

  it('signatures, byte for byte, and each verifies', () => {
    fc.assert(
      fc.property(bytes(32), message, (seed, msg) => {
        const privateKey = nobleCurves.ed25519PrivateKeyFromSeed(seed);
        const signature = wasm.ed25519Sign(privateKey, msg);
        expect(toHex(signature)).toBe(toHex(nobleCurves.ed25519Sign(privateKey, msg)));
        expect(wasm.ed25519Verify(privateKey.subarray(32), msg, signature)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('signatures with any 64 bytes as the private key (Go hashes the stored public half)', () => {
    fc.assert(
      fc.property(bytes(64), message, (privateKey, msg) => {
        expect(toHex(wasm.ed25519Sign(privateKey, msg))).toBe(toHex(nobleCurves.ed25519Sign(privateKey, msg)));
      }),
      { numRuns: 200 },
    );
  });

  const mutation = fc.oneof(
    fc.record({ kind: fc.constant('none' as const) }),
    fc.record({ kind: fc.constant('signatureBit' as const), bit: fc.integer({ min: 0, max: 511 }) }),
    fc.record({ kind: fc.constant('publicKeyBit' as const), bit: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('messageBit' as const), bit: fc.nat() }),
    fc.record({ kind: fc.constant('sPlusL' as const) }),
    fc.record({ kind: fc.constant('sTopBits' as const), bits: fc.integer({ min: 1, max: 7 }) }),
    fc.record({ kind: fc.constant('torsionKey' as const), multiple: fc.integer({ min: 1, max: 7 }) }),
    fc.record({ kind: fc.constant('torsionR' as const), multiple: fc.integer({ min: 1, max: 7 }) }),
    fc.record({ kind: fc.constant('keyYPlusP' as const) }),
    fc.record({ kind: fc.constant('randomSignature' as const), value: bytes(64) }),
    fc.record({ kind: fc.constant('randomPublicKey' as const), value: bytes(32) }),
  );

  it('verdicts on valid and mutated signatures', () => {
    fc.assert(
      fc.property(bytes(32), message, mutation, (seed, msg, m) => {
        let publicKey = nobleCurves.ed25519PublicKey(seed);
        let signature = nobleCurves.ed25519Sign(nobleCurves.ed25519PrivateKeyFromSeed(seed), msg);
        let signed: Uint8Array = msg;
        switch (m.kind) {
          case 'signatureBit':
            signature = flipBit(signature, m.bit);
            break;
          case 'publicKeyBit':
            publicKey = flipBit(publicKey, m.bit);
            break;
          case 'messageBit':
            if (msg.length > 0) signed = flipBit(msg, m.bit);
            break;
          case 'sPlusL':
            signature.set(bytesLE(numberLE(signature.subarray(32)) + L, 32), 32);
            break;
          case 'sTopBits':
            signature[63] |= m.bits << 5;
            break;
          case 'torsionKey':
            publicKey = Point.fromBytes(publicKey).add(T8.multiply(BigInt(m.multiple))).toBytes();
            break;
          case 'torsionR':
            signature.set(Point.fromBytes(signature.subarray(0, 32)).add(T8.multiply(BigInt(m.multiple))).toBytes(), 0);
            break;
          case 'keyYPlusP': {
            // The same key with y + p in place of y when that fits 255 bits; Go reduces it.
            const y = numberLE(publicKey) & ((1n << 255n) - 1n);
            if (y + P < 1n << 255n) publicKey.set(bytesLE((y + P) | (numberLE(publicKey) & (1n << 255n)), 32));
            break;
          }
          case 'randomSignature':
            signature = m.value;
            break;
          case 'randomPublicKey':
            publicKey = m.value;
            break;
        }
        expect(wasm.ed25519Verify(publicKey, signed, signature)).toBe(nobleCurves.ed25519Verify(publicKey, signed, signature));
      }),
      { numRuns: 600 },
    );
  });

  it('verdicts on keys of small and mixed order, canonical or not', () => {
    const y = [0n, 1n, P - 1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n, 10n, 11n, 12n, 13n, 14n, 15n, 16n, 17n, 18n];
    const keys: Uint8Array[] = [];
    for (const v of y) {
      for (const sign of [0n, 1n << 255n]) {
        keys.push(bytesLE(v | sign, 32));
        if (v + P < 1n << 255n) keys.push(bytesLE((v + P) | sign, 32));
      }
    }
    for (let k = 0; k < 8; k++) keys.push(T8.multiply(BigInt(k + 1)).toBytes());
    fc.assert(
      fc.property(fc.constantFrom(...keys), message, bytes(32), fc.nat({ max: 9 }), (publicKey, msg, rBytes, s) => {
        // S small, R the encoding of a small-order point or random: the cases where torsion
        // decides the verdict.
        const signature = new Uint8Array(64);
        signature.set(s < 5 ? T8.multiplyUnsafe(BigInt(s)).toBytes() : rBytes, 0);
        signature[32] = s;
        expect(wasm.ed25519Verify(publicKey, msg, signature)).toBe(nobleCurves.ed25519Verify(publicKey, msg, signature));
      }),
      { numRuns: 400 },
    );
  });

  const lowOrderU = [
    '0000000000000000000000000000000000000000000000000000000000000000',
    '0100000000000000000000000000000000000000000000000000000000000000',
    'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
    '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
    'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    'cdeb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b880',
  ].map((h) => new Uint8Array(Buffer.from(h, 'hex')));

  it('X25519 secrets, and the same refusal of low-order points', () => {
    const u = fc.oneof({ weight: 6, arbitrary: bytes(32) }, { weight: 1, arbitrary: fc.constantFrom(...lowOrderU) });
    fc.assert(
      fc.property(bytes(32), u, (scalar, point) => {
        expect(outcome(() => wasm.x25519(scalar, point))).toBe(outcome(() => nobleCurves.x25519(scalar, point)));
      }),
      { numRuns: 300 },
    );
  });

  it('X25519 public keys (the fixed-base path) and secrets between two parties', () => {
    fc.assert(
      fc.property(bytes(32), bytes(32), (a, b) => {
        const publicA = wasm.x25519PublicKey(a);
        expect(toHex(publicA)).toBe(toHex(nobleCurves.x25519PublicKey(a)));
        expect(toHex(wasm.x25519(b, publicA))).toBe(toHex(wasm.x25519(a, wasm.x25519PublicKey(b))));
      }),
      { numRuns: 200 },
    );
  });

  it('edPrivateToCurve and edPublicToCurve, on keys and on any 32 bytes', () => {
    fc.assert(
      fc.property(bytes(32), bytes(32), (seed, anyKey) => {
        const privateKey = nobleCurves.ed25519PrivateKeyFromSeed(seed);
        expect(toHex(wasm.edPrivateToCurve(privateKey))).toBe(toHex(nobleCurves.edPrivateToCurve(privateKey)));
        expect(toHex(wasm.edPublicToCurve(privateKey.subarray(32)))).toBe(toHex(nobleCurves.edPublicToCurve(privateKey.subarray(32))));
        expect(outcome(() => wasm.edPublicToCurve(anyKey))).toBe(outcome(() => nobleCurves.edPublicToCurve(anyKey)));
      }),
      { numRuns: 200 },
    );
  });

  it('the same errors, codes and messages, for every refused argument', () => {
    const key64 = random(64);
    const cases: [string, (c: typeof nobleCurves) => Uint8Array | boolean][] = [
      ['seed of 31 bytes', (c) => c.ed25519PrivateKeyFromSeed(random(31))],
      ['seed of 64 bytes', (c) => c.ed25519PublicKey(key64)],
      ['private key of 63 bytes', (c) => c.ed25519Sign(key64.subarray(1), random(3))],
      ['message not bytes', (c) => c.ed25519Sign(key64, [1, 2] as unknown as Uint8Array)],
      ['verify, key of 31 bytes', (c) => c.ed25519Verify(random(31), random(3), random(64))],
      ['verify, signature of 65 bytes', (c) => c.ed25519Verify(random(32), random(3), random(65))],
      ['verify, signature not bytes', (c) => c.ed25519Verify(random(32), random(3), 'sig' as unknown as Uint8Array)],
      ['x25519, scalar of 33 bytes', (c) => c.x25519(random(33), random(32))],
      ['x25519, u of 31 bytes', (c) => c.x25519(random(32), random(31))],
      ['x25519, u = 0', (c) => c.x25519(random(32), new Uint8Array(32))],
      ['x25519PublicKey, empty', (c) => c.x25519PublicKey(new Uint8Array(0))],
      ['edPrivateToCurve, 32 bytes', (c) => c.edPrivateToCurve(random(32))],
      ['edPublicToCurve, 64 bytes', (c) => c.edPublicToCurve(key64)],
      ['edPublicToCurve, y = 2 (no x)', (c) => c.edPublicToCurve(bytesLE(2n, 32))],
    ];
    for (const [title, call] of cases) {
      expect(outcome(() => call(wasm)), title).toBe(outcome(() => call(nobleCurves)));
    }
  });
});

describe('messages beyond the initial 64 KiB window', () => {
  it('sign and verify 200 KiB and 1 MiB messages as @noble/curves does, then small ones again', () => {
    const { privateKey, publicKey } = nobleCurves.generateEd25519KeyPair();
    for (const size of [200 << 10, 1 << 20, 100]) {
      const msg = random(size);
      const signature = wasm.ed25519Sign(privateKey, msg);
      expect(toHex(signature)).toBe(toHex(nobleCurves.ed25519Sign(privateKey, msg)));
      expect(wasm.ed25519Verify(publicKey, msg, signature)).toBe(true);
      expect(wasm.ed25519Verify(publicKey, flipBit(msg, 8 * size - 1), signature)).toBe(false);
    }
  });

  it('a message longer than the 64 MiB the window can hold is InputTooLarge, and the key is not written', () => {
    const curves = createWasmCurves(module);
    const privateKey = random(64);
    let caught: unknown = null;
    try {
      curves.ed25519Sign(privateKey, new Uint8Array(64 << 20));
    } catch (e) {
      caught = e;
    }
    expect(isE4Error(caught, E4ErrorCode.InputTooLarge)).toBe(true);
    expect(Buffer.from(curves.curveMemory()).includes(Buffer.from(privateKey))).toBe(false);
  });
});

describe('secrets do not stay in the module', () => {
  /** A fresh instance, and its memory below the window (tables and scratch) as instantiated. */
  function freshInstance(): { curves: WasmCurves; before: Buffer } {
    const curves = createWasmCurves(module);
    return { curves, before: staticPart(curves) };
  }

  function staticPart(curves: WasmCurves): Buffer {
    return Buffer.from(curves.curveMemory().subarray(0, curves.ioPtr));
  }

  it('after signing, nothing below the window differs from a fresh instance, and the key slot is zero', () => {
    const { curves, before } = freshInstance();
    const seed = random(32);
    const privateKey = nobleCurves.ed25519PrivateKeyFromSeed(seed);
    const msg = random(300);
    curves.ed25519Sign(privateKey, msg);
    curves.ed25519PublicKey(seed);
    const after = Buffer.from(curves.curveMemory());
    expect(staticPart(curves).equals(before)).toBe(true);
    // The key slot starts the window.
    expect(after.subarray(curves.ioPtr, curves.ioPtr + 64).every((b) => b === 0)).toBe(true);
    // Nor any of the secrets by value anywhere in memory: the seed, the expanded scalar and the
    // nonce key (RFC 8032 §5.1.6 step 1), the nonce r.
    const expanded = createHash('sha512').update(seed).digest();
    // r is computed before the scalar half is clamped below.
    const r = bytesLE(numberLE(new Uint8Array(createHash('sha512').update(expanded.subarray(32)).update(msg).digest())) % L, 32);
    const clamped = expanded.subarray(0, 32);
    clamped[0] &= 248;
    clamped[31] = (clamped[31] & 127) | 64;
    for (const secret of [seed, clamped, expanded.subarray(32), r]) {
      expect(after.includes(Buffer.from(secret))).toBe(false);
    }
  });

  it('after X25519 and the key maps, nothing below the window differs and no secret is in memory', () => {
    const { curves, before } = freshInstance();
    const scalar = random(32);
    const other = nobleCurves.generateX25519KeyPair();
    const secret = curves.x25519(scalar, other.publicKey);
    curves.x25519PublicKey(scalar);
    const edKey = nobleCurves.generateEd25519KeyPair();
    const curvePrivate = curves.edPrivateToCurve(edKey.privateKey);
    expect(() => curves.x25519(scalar, new Uint8Array(32))).toThrow();
    const after = Buffer.from(curves.curveMemory());
    expect(staticPart(curves).equals(before)).toBe(true);
    for (const value of [scalar, secret, curvePrivate, edKey.privateKey.subarray(0, 32)]) {
      expect(after.includes(Buffer.from(value))).toBe(false);
    }
  });
});

describe('the verification key cache', () => {
  /** A verification and Go's verdict on it (the @noble/curves provider, Go's oracle above). */
  interface Check {
    publicKey: Uint8Array;
    message: Uint8Array;
    signature: Uint8Array;
    go: boolean;
  }

  function check(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Check {
    return { publicKey, message, signature, go: nobleCurves.ed25519Verify(publicKey, message, signature) };
  }

  function verdict(curves: WasmCurves, c: Check): boolean {
    return curves.ed25519Verify(c.publicKey, c.message, c.signature);
  }

  function privateKeyOf(seed: Uint8Array, publicHalf: Uint8Array): Uint8Array {
    const out = new Uint8Array(64);
    out.set(seed, 0);
    out.set(publicHalf, 32);
    return out;
  }

  /**
   * `count` signatures as Go makes them with `privateKey` (seed ‖ stored public half), under that
   * half: two in five as signed, the others with a bit of R, of S or of the message flipped.
   */
  function checksUnder(privateKey: Uint8Array, count: number): Check[] {
    const publicKey = privateKey.slice(32);
    return Array.from({ length: count }, (_, i) => {
      const message = random(1 + (i % 3) * 100);
      const signature = nobleCurves.ed25519Sign(privateKey, message);
      const bit = randomBytes(1)[0];
      switch (i % 5) {
        case 2:
          return check(publicKey, message, flipBit(signature, bit));
        case 3:
          return check(publicKey, message, flipBit(signature, 256 + (bit % 250)));
        case 4:
          return check(publicKey, flipBit(message, bit), signature);
        default:
          return check(publicKey, message, signature);
      }
    });
  }

  it('one key verified many times, valid and altered signatures: the verdicts of a fresh instance, and Go\'s', () => {
    const curves = createWasmCurves(module);
    const seed = random(32);
    const publicKey = nobleCurves.ed25519PublicKey(seed);
    // The key plus a point of order 8: [k]A then depends on k mod 8, which the tables must keep.
    const mixedOrder = Point.fromBytes(publicKey).add(T8).toBytes();
    const verdicts = new Set<boolean>();
    for (const half of [publicKey, mixedOrder]) {
      for (const c of checksUnder(privateKeyOf(seed, half), 40)) {
        const uncached = verdict(createWasmCurves(module), c);
        expect(uncached).toBe(c.go);
        expect(verdict(curves, c)).toBe(uncached);
        verdicts.add(c.go);
      }
    }
    expect([...verdicts].sort()).toEqual([false, true]);
  });

  it('more distinct keys than slots, each verified in turn several times, keep Go\'s verdicts', () => {
    const curves = createWasmCurves(module);
    const keys = Array.from({ length: curves.verifyKeySlots + 7 }, () => nobleCurves.generateEd25519KeyPair().privateKey);
    const checks = keys.map((privateKey) => checksUnder(privateKey, 4));
    for (let round = 0; round < 3; round++) {
      for (const keyChecks of checks) {
        for (const c of keyChecks) expect(verdict(curves, c)).toBe(c.go);
      }
    }
  });

  it('a key with no x is refused every time, even when the slot it would take holds a key whose tables accept', () => {
    const curves = createWasmCurves(module);
    const seed = random(32);
    const owner = nobleCurves.ed25519PrivateKeyFromSeed(seed);
    const message = random(50);
    expect(curves.ed25519Verify(owner.subarray(32), message, nobleCurves.ed25519Sign(owner, message))).toBe(true);
    // The owner's key fills the first slot, these the others: the owner's is the next to be taken.
    for (let i = 1; i < curves.verifyKeySlots; i++) {
      const other = nobleCurves.generateEd25519KeyPair().privateKey;
      expect(curves.ed25519Verify(other.subarray(32), message, nobleCurves.ed25519Sign(other, message))).toBe(true);
    }
    for (const noX of [bytesLE(2n, 32), bytesLE(2n | (1n << 255n), 32), bytesLE(2n + P, 32)]) {
      // Signed with the owner's scalar over a hash of the key with no x: the owner's tables,
      // under those key bytes, would accept it.
      const forged = nobleCurves.ed25519Sign(privateKeyOf(seed, noX), message);
      for (let i = 0; i < 4; i++) expect(curves.ed25519Verify(noX, message, forged)).toBe(false);
    }
    expect(curves.ed25519Verify(owner.subarray(32), message, nobleCurves.ed25519Sign(owner, message))).toBe(true);
  });

  it('the encodings of one point (y or y + p, either sign bit when x = 0) each get Go\'s verdict, interleaved', () => {
    const curves = createWasmCurves(module);
    const points: Uint8Array[][] = [];
    // y < 19 leaves room for y + p below 2^255; the y with an x are points of small or mixed order.
    for (let y = 0n; y < 19n; y++) {
      if (outcome(() => nobleCurves.edPublicToCurve(bytesLE(y, 32))).includes(':')) continue;
      points.push([y, y + P, y | (1n << 255n), (y + P) | (1n << 255n)].map((v) => bytesLE(v, 32)));
    }
    expect(points.length).toBeGreaterThan(2);
    const signatures = Array.from({ length: 12 }, (_, i) => {
      const s = bytesLE(numberLE(random(32)) % L, 32);
      // R = [S]B is accepted exactly when [k]A is the identity, which k decides for these keys.
      const r = i % 3 === 2 ? Point.BASE.multiply(numberLE(random(32)) % L).toBytes() : Point.BASE.multiply(numberLE(s) || 1n).toBytes();
      const signature = new Uint8Array(64);
      signature.set(r, 0);
      signature.set(s, 32);
      return { message: random(20), signature };
    });
    const checks = points.map((encodings) =>
      signatures.map(({ message, signature }) => encodings.map((publicKey) => check(publicKey, message, signature))),
    );
    // Some pair of encodings of one point must get different verdicts, or this tells nothing.
    expect(checks.some((perPoint) => perPoint.some((perSignature) => new Set(perSignature.map((c) => c.go)).size > 1))).toBe(true);
    for (let round = 0; round < 3; round++) {
      for (const perPoint of checks) {
        for (const perSignature of perPoint) {
          for (const c of perSignature) expect(verdict(curves, c)).toBe(c.go);
        }
      }
    }
  });

  /** Go's signature of `message` by the secret scalar `s` under the key bytes `publicKey`. */
  function signWithScalar(s: bigint, publicKey: Uint8Array, message: Uint8Array): Uint8Array {
    const r = (numberLE(random(32)) % (L - 1n)) + 1n;
    const rBytes = Point.BASE.multiply(r).toBytes();
    const k = numberLE(new Uint8Array(createHash('sha512').update(rBytes).update(publicKey).update(message).digest())) % L;
    const signature = new Uint8Array(64);
    signature.set(rBytes, 0);
    signature.set(bytesLE((r + k * s) % L, 32), 32);
    return signature;
  }

  it('a key and its negation (the sign bit flipped) each get their own verdicts, interleaved', () => {
    const curves = createWasmCurves(module);
    const s = numberLE(random(32)) % L;
    const publicKey = Point.BASE.multiply(s).toBytes();
    const negated = flipBit(publicKey, 255);
    const checks: Check[] = [];
    for (let i = 0; i < 6; i++) {
      const message = random(40);
      checks.push(
        check(publicKey, message, signWithScalar(s, publicKey, message)),
        check(negated, message, signWithScalar(L - s, negated, message)),
        check(negated, message, signWithScalar(s, negated, message)),
        check(publicKey, message, signWithScalar(L - s, publicKey, message)),
      );
    }
    expect(checks.map((c) => c.go).slice(0, 4)).toEqual([true, true, false, false]);
    for (let round = 0; round < 3; round++) {
      for (const c of checks) expect(verdict(curves, c)).toBe(c.go);
    }
  });

  it('a key whose slot another key took is verified right again, and so is the key now in its slot', () => {
    const curves = createWasmCurves(module);
    const first = checksUnder(nobleCurves.generateEd25519KeyPair().privateKey, 5);
    for (const c of first) expect(verdict(curves, c)).toBe(c.go);
    // One key per slot: the last takes the first key's slot.
    let last: Check[] = [];
    for (let i = 0; i < curves.verifyKeySlots; i++) {
      last = checksUnder(nobleCurves.generateEd25519KeyPair().privateKey, 2);
      for (const c of last) expect(verdict(curves, c)).toBe(c.go);
    }
    for (const c of [...last, ...first, ...last, ...first]) expect(verdict(curves, c)).toBe(c.go);
  });
});

describe('generated tables', () => {
  it('assembly/ed25519-tables.ts is what build/gen-ed25519-tables.ts writes', () => {
    expect(readFileSync(TABLES_PATH, 'utf8')).toBe(tablesSource());
  });
});

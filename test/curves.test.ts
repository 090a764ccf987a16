/**
 * The curve primitives (`CurveProvider`, src/keys/curves.ts), on every provider of
 * test/curve-providers.ts, against Go's Ed25519 verdicts, Wycheproof's Ed25519 and X25519 files,
 * the Ed25519/X25519 entries of the Go vectors, and node:crypto (OpenSSL) on random inputs.
 */
import {
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  sign as nodeSign,
  verify as nodeVerify,
} from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { init } from '../src/backends/select.ts';
import { E4ErrorCode, isE4Error, type E4ErrorCode as Code } from '../src/errors.ts';
import { sharedKeyWithC2, type CurveProvider } from '../src/keys/curves.ts';
import { deriveKeyFromPassword, sha3_256 } from '../src/primitives.ts';
import { concatBytes, toHex } from '../src/utils.ts';
import { CURVE_PROVIDERS, curveProvider } from './curve-providers.ts';
import { hex, readVectors } from './vectors.ts';

const LOW_ORDER_MESSAGE = 'curve25519 X25519 failed: bad input point: low order point';
/** The order of the prime-order subgroup (RFC 8032 §5.1). */
const L = 2n ** 252n + 27742317777372353535851937790883648493n;

/** Runs `fn`, expecting an e4ts error with `code` (and `message`, when given). */
function expectE4Error(fn: () => unknown, code: Code, message?: string): void {
  let caught: unknown = null;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(isE4Error(caught, code), 'expected ' + code + ', got ' + String(caught)).toBe(true);
  if (message !== undefined) expect((caught as Error).message).toBe(message);
}

function der(prefix: string, key: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(prefix, 'hex'), key]);
}

/** node:crypto's Ed25519 verdict; OpenSSL may refuse a key it cannot decode, which is `false`. */
function opensslVerify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    const key = createPublicKey({ key: der('302a300506032b6570032100', publicKey), format: 'der', type: 'spki' });
    return nodeVerify(null, message, key, signature);
  } catch {
    return false;
  }
}

function opensslSign(seed: Uint8Array, message: Uint8Array): Uint8Array {
  const key = createPrivateKey({ key: der('302e020100300506032b657004220420', seed), format: 'der', type: 'pkcs8' });
  return nodeSign(null, message, key);
}

/** node:crypto's X25519, or `null` where OpenSSL refuses (an all-zero result). */
function opensslX25519(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array | null {
  try {
    return diffieHellman({
      privateKey: createPrivateKey({ key: der('302e020100300506032b656e04220420', privateKey), format: 'der', type: 'pkcs8' }),
      publicKey: createPublicKey({ key: der('302a300506032b656e032100', publicKey), format: 'der', type: 'spki' }),
    });
  } catch {
    return null;
  }
}

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = bytes.slice();
  out[(bit >> 3) % out.length] ^= 1 << (bit & 7);
  return out;
}

function isZero(bytes: Uint8Array): boolean {
  return bytes.every((b) => b === 0);
}

interface Verdict {
  description: string;
  message: string;
  publicKey: string;
  signature: string;
  go: boolean;
}

describe('node:crypto', () => {
  it('gives Go\'s 48 verdicts of ed25519-go-verdicts.json, as the oracle of the random tests needs', () => {
    const { cases } = readVectors<{ cases: Verdict[] }>('ed25519-go-verdicts.json');
    const verdicts = cases.map((v) => opensslVerify(hex(v.publicKey), hex(v.message), hex(v.signature)));
    expect(verdicts).toEqual(cases.map((v) => v.go));
  });
});

describe.each(CURVE_PROVIDERS)('%s curves', (name) => {
  let curves: CurveProvider;
  beforeAll(async () => {
    curves = await curveProvider(name);
  });

  describe('ed25519-go-verdicts.json: Go crypto/ed25519 verdicts', () => {
    const { cases } = readVectors<{ cases: Verdict[] }>('ed25519-go-verdicts.json');

    it('holds the 48 cases', () => {
      expect(cases.length).toBe(48);
    });

    cases.forEach((v, i) => {
      it('ed25519-go-verdicts.json #' + i + ' (go: ' + v.go + '): ' + v.description, () => {
        expect(curves.ed25519Verify(hex(v.publicKey), hex(v.message), hex(v.signature))).toBe(v.go);
      });
    });
  });

  describe('wycheproof/ed25519_test.json', () => {
    const file = readVectors<any>('wycheproof/ed25519_test.json');
    const tests: { pk: string; t: any }[] = [];
    for (const group of file.testGroups) for (const t of group.tests) tests.push({ pk: group.publicKey.pk, t });

    it('holds ' + file.numberOfTests + ' cases, valid or invalid', () => {
      expect(tests.length).toBe(file.numberOfTests);
      expect(tests.every(({ t }) => t.result === 'valid' || t.result === 'invalid')).toBe(true);
    });

    // Go agrees with every verdict of this file, so none needs an exception.
    for (const { pk, t } of tests) {
      it('ed25519_test.json tcId ' + t.tcId + ' ' + t.result + ' [' + t.flags.join(', ') + '] ' + t.comment, () => {
        expect(curves.ed25519Verify(hex(pk), hex(t.msg), hex(t.sig))).toBe(t.result === 'valid');
      });
    }
  });

  describe('wycheproof/x25519_test.json', () => {
    const file = readVectors<any>('wycheproof/x25519_test.json');
    const tests: any[] = [];
    for (const group of file.testGroups) for (const t of group.tests) tests.push(t);

    it('holds ' + file.numberOfTests + ' cases', () => {
      expect(tests.length).toBe(file.numberOfTests);
    });

    for (const t of tests) {
      it('x25519_test.json tcId ' + t.tcId + ' ' + t.result + ' [' + t.flags.join(', ') + '] ' + t.comment, () => {
        const compute = () => curves.x25519(hex(t.private), hex(t.public));
        if (t.result === 'invalid') {
          expect(compute).toThrow();
        } else if (isZero(hex(t.shared))) {
          // Go computes the all-zero secret and then refuses it (RFC 7748 §6.1).
          expectE4Error(compute, E4ErrorCode.InvalidPublicKey, LOW_ORDER_MESSAGE);
        } else {
          // `valid`, and `acceptable` (twist points, non-canonical u, u with the top bit set):
          // Go computes them all.
          expect(toHex(compute())).toBe(t.shared);
        }
      });
    }
  });

  describe('e4go-vectors.json', () => {
    const go = readVectors<Record<string, any[]>>('e4go-vectors.json');

    describe('ed25519FromPassword', () => {
      beforeAll(async () => {
        await init();
      });

      go.ed25519FromPassword.forEach((v, i) => {
        it('e4go-vectors.json ed25519FromPassword #' + i, () => {
          const seed = deriveKeyFromPassword(v.password);
          expect(toHex(seed)).toBe(v.privateKey.slice(0, 64));
          expect(toHex(curves.ed25519PrivateKeyFromSeed(seed))).toBe(v.privateKey);
          expect(toHex(curves.ed25519PublicKey(seed))).toBe(v.publicKey);
        });
      });
    });

    go.edToCurve.forEach((v, i) => {
      it('e4go-vectors.json edToCurve #' + i, () => {
        const edPrivate = hex(v.edPrivateKey);
        expect(toHex(curves.ed25519PrivateKeyFromSeed(edPrivate.subarray(0, 32)))).toBe(v.edPrivateKey);
        expect(toHex(curves.ed25519PublicKey(edPrivate.subarray(0, 32)))).toBe(v.edPublicKey);
        expect(toHex(curves.edPrivateToCurve(edPrivate))).toBe(v.curvePrivateKey);
        expect(toHex(curves.edPublicToCurve(hex(v.edPublicKey)))).toBe(v.curvePublicKey);
        // The two maps agree: the X25519 public key of the converted private key.
        expect(toHex(curves.x25519PublicKey(hex(v.curvePrivateKey)))).toBe(v.curvePublicKey);
      });
    });

    describe('pkSharedKeys', () => {
      beforeAll(async () => {
        await init();
      });

      go.pkSharedKeys.forEach((v, i) => {
        it('e4go-vectors.json pkSharedKeys #' + i, () => {
          const clientPrivate = hex(v.clientEdPrivateKey);
          expect(toHex(curves.edPublicToCurve(hex(v.clientEdPublicKey)))).toBe(v.clientCurvePublicKey);
          expect(toHex(curves.x25519PublicKey(hex(v.c2CurvePrivateKey)))).toBe(v.c2CurvePublicKey);
          const clientSide = curves.x25519(curves.edPrivateToCurve(clientPrivate), hex(v.c2CurvePublicKey));
          expect(toHex(clientSide)).toBe(v.rawX25519SharedSecret);
          const c2Side = curves.x25519(hex(v.c2CurvePrivateKey), hex(v.clientCurvePublicKey));
          expect(toHex(c2Side)).toBe(v.rawX25519SharedSecret);
          expect(toHex(sharedKeyWithC2(clientPrivate, hex(v.c2CurvePublicKey), sha3_256))).toBe(v.sharedKey);
        });
      });
    });

    go.pkMessages.forEach((v, i) => {
      it('e4go-vectors.json pkMessages #' + i + ': the signature is Go\'s, byte for byte', () => {
        const protectedBytes = hex(v.protected);
        const signed = protectedBytes.subarray(0, protectedBytes.length - 64);
        const signature = protectedBytes.subarray(protectedBytes.length - 64);
        expect(toHex(curves.ed25519Sign(hex(v.signerPrivateKey), signed))).toBe(toHex(signature));
        expect(curves.ed25519Verify(hex(v.signerPublicKey), signed, signature)).toBe(true);
        expect(curves.ed25519Verify(hex(v.signerPublicKey), flipBit(signed, 0), signature)).toBe(false);
      });
    });
  });

  describe('e4go-edge-vectors.json', () => {
    const edge = readVectors<Record<string, any>>('e4go-edge-vectors.json');

    // Go's private key here is seedX ‖ pubY, pubY the public key of another seed; Go's Sign hashes
    // pubY into the challenge, so its signatures verify under neither key.
    edge.setIdKeyMismatched.forEach((v: any, i: number) => {
      it('e4go-edge-vectors.json setIdKeyMismatched #' + i + ': signs with the stored public half', () => {
        const mismatched = hex(v.newKey);
        expect(toHex(mismatched.subarray(0, 32))).toBe(v.seedX);
        expect(toHex(mismatched.subarray(32))).toBe(v.secondHalfPubY);
        expect(toHex(curves.ed25519PublicKey(hex(v.seedX)))).toBe(v.publicKeyOfSeedX);
        expect(v.publicKeyOfSeedX).not.toBe(v.secondHalfPubY);

        const signature = curves.ed25519Sign(mismatched, hex(v.signedBytes));
        expect(toHex(signature)).toBe(v.signature);
        expect(toHex(concatBytes([hex(v.signedBytes), signature]))).toBe(v.protectMessageOutput);
        expect(curves.ed25519Verify(hex(v.publicKeyOfSeedX), hex(v.signedBytes), signature)).toBe(v.signatureVerifiesUnderPubX);
        expect(curves.ed25519Verify(hex(v.secondHalfPubY), hex(v.signedBytes), signature)).toBe(v.signatureVerifiesUnderPubY);

        const fixed = curves.ed25519Sign(mismatched, hex(v.fixedMessage));
        expect(toHex(fixed)).toBe(v.ed25519SignOfFixedMessage);
        expect(curves.ed25519Verify(hex(v.publicKeyOfSeedX), hex(v.fixedMessage), fixed)).toBe(v.fixedSignatureVerifiesUnderPubX);
        expect(curves.ed25519Verify(hex(v.secondHalfPubY), hex(v.fixedMessage), fixed)).toBe(v.fixedSignatureVerifiesUnderPubY);
      });

      it('e4go-edge-vectors.json setIdKeyMismatched #' + i + ': the key with C2 uses the seed half', async () => {
        await init();
        const c2 = hex(v.c2CurvePublicKey);
        expect(toHex(curves.x25519PublicKey(hex(v.c2CurvePrivateKey)))).toBe(v.c2CurvePublicKey);
        expect(toHex(sharedKeyWithC2(hex(v.edPrivateKeyBefore), c2, sha3_256))).toBe(v.sharedKeyBefore);
        expect(toHex(sharedKeyWithC2(hex(v.newKey), c2, sha3_256))).toBe(v.sharedKeyAfter);
      });
    });

    edge.setC2KeyLowOrder.forEach((v: any, i: number) => {
      const c2 = v.lowOrderPoint ?? v.c2CurvePublicKey;
      it('e4go-edge-vectors.json setC2KeyLowOrder #' + i + ': X25519 with u = ' + c2 + ' fails as Go does', () => {
        const compute = () => curves.x25519(curves.edPrivateToCurve(hex(v.edPrivateKey)), hex(c2));
        // The all-zero key is refused by Go's command check before X25519 runs; X25519 itself
        // refuses every one of these points with the same message.
        expectE4Error(compute, E4ErrorCode.InvalidPublicKey, LOW_ORDER_MESSAGE);
        const goError = v.steps === undefined ? v.result : v.steps[0].processResult;
        if (c2 !== '00'.repeat(32)) expect(goError).toContain(LOW_ORDER_MESSAGE);
      });
    });

    const lengths = edge.pkMessageLengths;
    lengths.cases
      .filter((c: any) => c.kind !== 'truncated')
      .forEach((c: any) => {
        it('e4go-edge-vectors.json pkMessageLengths length ' + c.length + ' (' + c.kind + '): Go\'s signature', () => {
          const protectedBytes = hex(c.protected);
          const signed = protectedBytes.subarray(0, protectedBytes.length - 64);
          const signature = protectedBytes.subarray(protectedBytes.length - 64);
          expect(toHex(curves.ed25519Sign(hex(lengths.senderPrivateKey), signed))).toBe(toHex(signature));
          expect(curves.ed25519Verify(hex(lengths.signerPublicKey), signed, signature)).toBe(true);
        });
      });
  });

  describe('argument checks', () => {
    const seed = new Uint8Array(32).fill(7);
    const message = new Uint8Array([1, 2, 3]);
    let privateKey: Uint8Array;
    let publicKey: Uint8Array;
    let signature: Uint8Array;
    beforeAll(() => {
      privateKey = curves.ed25519PrivateKeyFromSeed(seed);
      publicKey = privateKey.slice(32);
      signature = curves.ed25519Sign(privateKey, message);
    });

    it('ed25519Verify answers false for wrong lengths', () => {
      expect(curves.ed25519Verify(publicKey, message, signature)).toBe(true);
      expect(curves.ed25519Verify(publicKey.subarray(0, 31), message, signature)).toBe(false);
      expect(curves.ed25519Verify(concatBytes([publicKey, new Uint8Array(1)]), message, signature)).toBe(false);
      expect(curves.ed25519Verify(publicKey, message, signature.subarray(0, 63))).toBe(false);
      expect(curves.ed25519Verify(publicKey, message, concatBytes([signature, new Uint8Array(1)]))).toBe(false);
      expect(curves.ed25519Verify(new Uint8Array(0), message, new Uint8Array(0))).toBe(false);
    });

    it('ed25519Verify answers false for a public key with no x (y = 2)', () => {
      const notAPoint = new Uint8Array(32);
      notAPoint[0] = 2;
      expect(curves.ed25519Verify(notAPoint, message, signature)).toBe(false);
    });

    it('refuses keys of the wrong size with a typed error', () => {
      expectE4Error(() => curves.ed25519PrivateKeyFromSeed(new Uint8Array(31)), E4ErrorCode.InvalidKeyLength);
      expectE4Error(() => curves.ed25519PublicKey(new Uint8Array(64)), E4ErrorCode.InvalidKeyLength);
      expectE4Error(() => curves.ed25519Sign(seed, message), E4ErrorCode.InvalidKeyLength);
      expectE4Error(() => curves.edPrivateToCurve(seed), E4ErrorCode.InvalidKeyLength);
      expectE4Error(() => curves.edPublicToCurve(privateKey), E4ErrorCode.InvalidPublicKey);
      expectE4Error(() => curves.x25519(new Uint8Array(31), publicKey), E4ErrorCode.InvalidKeyLength);
      expectE4Error(() => curves.x25519(seed, new Uint8Array(33)), E4ErrorCode.InvalidPublicKey);
      expectE4Error(() => curves.x25519PublicKey(new Uint8Array(0)), E4ErrorCode.InvalidKeyLength);
    });

    it('refuses values that are not bytes with InvalidArgument', () => {
      const notBytes = [1, 2, 3] as unknown as Uint8Array;
      expectE4Error(() => curves.ed25519Sign(privateKey, notBytes), E4ErrorCode.InvalidArgument);
      expectE4Error(() => curves.ed25519Verify(publicKey, notBytes, signature), E4ErrorCode.InvalidArgument);
      expectE4Error(() => curves.x25519(notBytes, publicKey), E4ErrorCode.InvalidArgument);
    });

    it('error messages do not contain key bytes', () => {
      const key = new Uint8Array(63).fill(0xab);
      expectE4Error(() => curves.ed25519Sign(key, message), E4ErrorCode.InvalidKeyLength, '"privateKey" expected 64 bytes, got 63');
    });

    it('edPublicToCurve: a y with no x is InvalidPublicKey; the identity (y = 1) maps to u = 0 as in Go', () => {
      const notAPoint = new Uint8Array(32);
      notAPoint[0] = 2;
      expectE4Error(() => curves.edPublicToCurve(notAPoint), E4ErrorCode.InvalidPublicKey);
      const identity = new Uint8Array(32);
      identity[0] = 1;
      expect(toHex(curves.edPublicToCurve(identity))).toBe('00'.repeat(32));
    });

    it('generated key pairs are consistent and distinct', () => {
      const a = curves.generateEd25519KeyPair();
      const b = curves.generateEd25519KeyPair();
      expect(a.privateKey.length).toBe(64);
      expect(toHex(a.publicKey)).toBe(toHex(curves.ed25519PublicKey(a.privateKey.subarray(0, 32))));
      expect(toHex(a.privateKey.subarray(32))).toBe(toHex(a.publicKey));
      expect(toHex(a.privateKey)).not.toBe(toHex(b.privateKey));
      const x = curves.generateX25519KeyPair();
      const y = curves.generateX25519KeyPair();
      expect(toHex(x.publicKey)).toBe(toHex(curves.x25519PublicKey(x.privateKey)));
      expect(toHex(curves.x25519(x.privateKey, y.publicKey))).toBe(toHex(curves.x25519(y.privateKey, x.publicKey)));
    });
  });

  describe('properties', () => {
    const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
    const message = fc.uint8Array({ maxLength: 300 });

    it('sign/verify round trip, and the signature is node:crypto\'s', () => {
      fc.assert(
        fc.property(bytes(32), message, (seed, msg) => {
          const privateKey = curves.ed25519PrivateKeyFromSeed(seed);
          const signature = curves.ed25519Sign(privateKey, msg);
          expect(toHex(signature)).toBe(toHex(opensslSign(seed, msg)));
          expect(curves.ed25519Verify(privateKey.subarray(32), msg, signature)).toBe(true);
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
      fc.record({ kind: fc.constant('randomSignature' as const), value: bytes(64) }),
      fc.record({ kind: fc.constant('randomPublicKey' as const), value: bytes(32) }),
    );

    it('verify gives node:crypto\'s verdict on valid and mutated signatures', () => {
      fc.assert(
        fc.property(bytes(32), message, mutation, (seed, msg, m) => {
          let publicKey = curves.ed25519PublicKey(seed);
          let signature = curves.ed25519Sign(curves.ed25519PrivateKeyFromSeed(seed), msg);
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
            case 'sPlusL': {
              let s = 0n;
              for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(signature[i]);
              s += L;
              for (let i = 32; i < 64; i++, s >>= 8n) signature[i] = Number(s & 0xffn);
              break;
            }
            case 'randomSignature':
              signature = m.value;
              break;
            case 'randomPublicKey':
              publicKey = m.value;
              break;
          }
          expect(curves.ed25519Verify(publicKey, signed, signature)).toBe(opensslVerify(publicKey, signed, signature));
        }),
        { numRuns: 500 },
      );
    });

    it('verify never throws on any 32-byte key and 64-byte signature', () => {
      fc.assert(
        fc.property(bytes(32), message, bytes(64), (publicKey, msg, signature) => {
          expect(typeof curves.ed25519Verify(publicKey, msg, signature)).toBe('boolean');
        }),
        { numRuns: 200 },
      );
    });

    it('X25519 gives node:crypto\'s secret, and fails where node refuses', () => {
      const lowOrder = fc.constantFrom(
        '0000000000000000000000000000000000000000000000000000000000000000',
        '0100000000000000000000000000000000000000000000000000000000000000',
        'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
        '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
        'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
        'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
        'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
      );
      const u = fc.oneof({ weight: 8, arbitrary: bytes(32) }, { weight: 1, arbitrary: lowOrder.map(hex) });
      fc.assert(
        fc.property(bytes(32), u, (privateKey, publicKey) => {
          const expected = opensslX25519(privateKey, publicKey);
          if (expected === null) {
            expectE4Error(() => curves.x25519(privateKey, publicKey), E4ErrorCode.InvalidPublicKey, LOW_ORDER_MESSAGE);
          } else {
            expect(toHex(curves.x25519(privateKey, publicKey))).toBe(toHex(expected));
          }
        }),
        { numRuns: 300 },
      );
    });
  });
});

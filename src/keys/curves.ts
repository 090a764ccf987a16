/**
 * The public-key primitives of E4's public-key mode (E4-PROTOCOL.md, "Primitives"): Ed25519
 * (RFC 8032 §5.1, pure, no context) with Go's key layout and Go's verification verdicts, and
 * X25519 (RFC 7748 §5) with Go's failure rule.
 *
 * Everything sits behind `CurveProvider`, a small byte-in, byte-out interface, so that another
 * implementation (WebAssembly, a platform library) can replace this one without callers
 * changing. This implementation uses the point, field and scalar arithmetic of @noble/curves and
 * SHA-512 from @noble/hashes; its randomness comes from `crypto.getRandomValues`, so the module
 * runs unchanged in Node, Deno and browsers.
 */
import { ed25519, x25519 as nobleX25519 } from '@noble/curves/ed25519.js';
import { bytesToNumberLE, numberToBytesLE } from '@noble/curves/utils.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { E4ErrorCode, e4Error } from '../errors.ts';
import {
  ED25519_PRIVATE_KEY_LEN,
  ED25519_PUBLIC_KEY_LEN,
  ED25519_SEED_LEN,
  SIGNATURE_LEN,
  X25519_KEY_LEN,
} from '../protocol/sizes.ts';
import { assertBytes, concatBytes, wipe } from '../utils.ts';

/** A key pair in the layout E4 stores: Ed25519 private keys are seed (32) ‖ public key (32). */
export interface KeyPair {
  privateKey: Uint8Array;
  publicKey: Uint8Array;
}

/**
 * The public-key operations E4 needs. Every key, signature and secret is a byte array of the
 * size E4-PROTOCOL.md gives; a wrong size or a non-byte argument is an `E4Error` (except in
 * `ed25519Verify`, which answers `false` for wrong sizes, as a verifier must).
 */
export interface CurveProvider {
  /** Go's `ed25519.NewKeyFromSeed`: seed (32) ‖ public key (32). */
  ed25519PrivateKeyFromSeed(seed: Uint8Array): Uint8Array;
  /** The public key of a 32-byte seed (RFC 8032 §5.1.5). */
  ed25519PublicKey(seed: Uint8Array): Uint8Array;
  /**
   * Go's `ed25519.Sign`: RFC 8032 §5.1.6 with bytes 32–63 of the 64-byte private key hashed as
   * the public key, whether or not they are the public key of bytes 0–31.
   */
  ed25519Sign(privateKey: Uint8Array, message: Uint8Array): Uint8Array;
  /** Go's `ed25519.Verify` verdict (cofactorless, permissive public key, strict S and R). */
  ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
  /**
   * RFC 7748 §5 X25519; fails with `InvalidPublicKey` exactly when the result is all zero, as
   * Go's `curve25519.X25519` does.
   */
  x25519(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array;
  /** X25519 of the private key and the base point u = 9 (RFC 7748 §6.1). */
  x25519PublicKey(privateKey: Uint8Array): Uint8Array;
  /** The X25519 private key of a 64-byte Ed25519 private key: clamped SHA-512(seed)[0:32]. */
  edPrivateToCurve(privateKey: Uint8Array): Uint8Array;
  /** The X25519 public key of an Ed25519 public key: u = (1 + y) / (1 − y) mod p. */
  edPublicToCurve(publicKey: Uint8Array): Uint8Array;
  generateEd25519KeyPair(): KeyPair;
  generateX25519KeyPair(): KeyPair;
}

const Point = ed25519.Point;
const Fp = Point.Fp;
const Fn = Point.Fn;
/** The field prime p = 2^255 − 19 (RFC 8032 §5.1). */
const P = Fp.ORDER;
/** The order L of the prime-order subgroup (RFC 8032 §5.1). */
const L = Fn.ORDER;
const Y_MASK = (BigInt(1) << BigInt(255)) - BigInt(1);

/** Go's error when X25519 gives the all-zero secret; every provider throws it, word for word. */
export const X25519_LOW_ORDER_MESSAGE = 'curve25519 X25519 failed: bad input point: low order point';

/** `edPublicToCurve`'s error for a key with no x; every provider throws it. */
export const NOT_A_POINT_MESSAGE = '"publicKey" is not the encoding of a curve point';

/**
 * A byte array of exactly `length` bytes, or an `E4Error` with `code` naming the size: the
 * argument check of every provider, so that they refuse the same inputs with the same errors.
 */
export function sized(value: unknown, title: string, length: number, code: E4ErrorCode): Uint8Array {
  const bytes = assertBytes(value, title);
  if (bytes.length !== length) {
    throw e4Error(code, '"' + title + '" expected ' + length + ' bytes, got ' + bytes.length);
  }
  return bytes;
}

function randomBytes(length: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(length));
}

/** RFC 8032 §5.1.5 steps 1–2: SHA-512 of the seed, its first half clamped. */
function expandSeed(seed: Uint8Array): Uint8Array {
  const h = sha512(seed);
  h[0] &= 248;
  h[31] &= 127;
  h[31] |= 64;
  return h;
}

/** A 64-byte SHA-512 digest read little-endian and reduced mod L (RFC 8032 §5.1.6 and §5.1.7). */
function digestModL(data: Uint8Array): bigint {
  return Fn.create(bytesToNumberLE(sha512(data)));
}

/**
 * Decodes a point as Go's edwards25519 `SetBytes` does, more permissively than RFC 8032 §5.1.3:
 * y is read from the 255 low bits and reduced mod p (so y ≥ p is accepted), and x = 0 with the
 * sign bit set is accepted (as x = 0). Returns `null` when no x exists for y, the only encoding
 * Go refuses. Small-order and mixed-order points are returned like any other.
 */
function decodePointAsGo(bytes: Uint8Array): InstanceType<typeof Point> | null {
  const y = Fp.create(bytesToNumberLE(bytes) & Y_MASK);
  const canonical = numberToBytesLE(y, 32);
  canonical[31] |= bytes[31] & 0x80;
  try {
    // ZIP-215 decoding is Go's decoding once y is reduced: it keeps x = 0 with the sign bit set.
    return Point.fromBytes(canonical, true);
  } catch {
    return null;
  }
}

function privateKeyFromSeed(seed: Uint8Array): Uint8Array {
  const s = sized(seed, 'seed', ED25519_SEED_LEN, E4ErrorCode.InvalidKeyLength);
  const out = new Uint8Array(ED25519_PRIVATE_KEY_LEN);
  out.set(s, 0);
  out.set(ed25519.getPublicKey(s), ED25519_SEED_LEN);
  return out;
}

function publicKeyOfSeed(seed: Uint8Array): Uint8Array {
  return ed25519.getPublicKey(sized(seed, 'seed', ED25519_SEED_LEN, E4ErrorCode.InvalidKeyLength));
}

/**
 * RFC 8032 §5.1.6 as Go's `ed25519.Sign` runs it: the challenge hashes the stored public half of
 * the private key (bytes 32–63), not the public key recomputed from the seed. After SetIDKey an
 * E4 client may hold a seed with another key's public half; Go then makes a signature that
 * verifies under neither key, and e4ts must make the same bytes.
 */
function sign(privateKey: Uint8Array, message: Uint8Array): Uint8Array {
  const key = sized(privateKey, 'privateKey', ED25519_PRIVATE_KEY_LEN, E4ErrorCode.InvalidKeyLength);
  const msg = assertBytes(message, 'message');
  const h = expandSeed(key.subarray(0, ED25519_SEED_LEN));
  const s = Fn.create(bytesToNumberLE(h.subarray(0, 32)));
  const r = digestModL(concatBytes([h.subarray(32, 64), msg]));
  // r = 0 happens with probability 2^-252; `multiply` refuses 0, whose product is the identity.
  const R = (r === BigInt(0) ? Point.ZERO : Point.BASE.multiply(r)).toBytes();
  const k = digestModL(concatBytes([R, key.subarray(ED25519_SEED_LEN), msg]));
  const S = Fn.add(r, Fn.mul(k, s));
  wipe(h);
  const signature = new Uint8Array(SIGNATURE_LEN);
  signature.set(R, 0);
  signature.set(numberToBytesLE(S, 32), 32);
  return signature;
}

/**
 * Ed25519 verification with the verdicts of Go's crypto/ed25519 (Go 1.19), which E4 clients
 * run; RFC 8032 §5.1.7 leaves room for several, and ZIP-215 or @noble/curves' defaults differ:
 *
 * - S = signature[32:64] read little-endian must be < L, with no reduction (RFC 8032 §5.1.7
 *   step 1), which also refuses any of the three top bits set. A malleated S + L is refused.
 * - A is decoded permissively (see `decodePointAsGo`): non-canonical y, x = 0 with the sign bit
 *   and small- or mixed-order keys are all accepted; only a y with no x is refused.
 * - k = SHA-512(R ‖ A ‖ M) mod L over the bytes as received, never a re-encoding of A or R.
 * - The check is cofactorless: the canonical encoding of [S]B − [k]A must equal signature[0:32]
 *   byte for byte. RFC 8032 §5.1.7 step 3 allows the cofactored [8][S]B = [8]R + [8][k]A, and
 *   ZIP-215 requires it and decodes R permissively; either accepts signatures Go refuses (a
 *   torsion component in A or R that the factor 8 erases, or a non-canonical encoding of R).
 *   E4 must give the same answer as the Go clients of the fleet, so it compares bytes, and a
 *   non-canonical R can never match.
 */
function verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const pub = assertBytes(publicKey, 'publicKey');
  const msg = assertBytes(message, 'message');
  const sig = assertBytes(signature, 'signature');
  if (pub.length !== ED25519_PUBLIC_KEY_LEN || sig.length !== SIGNATURE_LEN) return false;
  const S = bytesToNumberLE(sig.subarray(32, 64));
  if (S >= L) return false;
  const A = decodePointAsGo(pub);
  if (A === null) return false;
  const R = sig.subarray(0, 32);
  const k = digestModL(concatBytes([R, pub, msg]));
  // Variable-time products are safe here: S, k and A are all public.
  const check = Point.BASE.multiplyUnsafe(S).subtract(A.multiplyUnsafe(k)).toBytes();
  let diff = 0;
  for (let i = 0; i < 32; i++) diff |= check[i] ^ R[i];
  return diff === 0;
}

/**
 * RFC 7748 §5 X25519 with Go's outcome: the top bit of u is ignored and u ≥ p is reduced (both
 * as RFC 7748 §5 says), twist points are computed, and the call fails only when the shared
 * secret is all zero (the check RFC 7748 §6.1 allows), with Go's message.
 *
 * @noble/curves refuses the five u values (mod p) of small order, on the curve or its twist,
 * before running the ladder, and checks the result for zero. The ladder gives zero exactly when
 * the order of u divides the clamped scalar; that scalar is a multiple of 8 below 2^255, while
 * 8·L and 8·L' (L' the large prime factor of the twist's order 4·L') both exceed 2^255, so only
 * those five u give zero, and @noble/curves refuses exactly what Go refuses.
 */
function x25519(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  const scalar = sized(privateKey, 'privateKey', X25519_KEY_LEN, E4ErrorCode.InvalidKeyLength);
  const u = sized(publicKey, 'publicKey', X25519_KEY_LEN, E4ErrorCode.InvalidPublicKey);
  try {
    return nobleX25519.getSharedSecret(scalar, u);
  } catch {
    throw e4Error(E4ErrorCode.InvalidPublicKey, X25519_LOW_ORDER_MESSAGE);
  }
}

function x25519PublicKey(privateKey: Uint8Array): Uint8Array {
  return nobleX25519.getPublicKey(sized(privateKey, 'privateKey', X25519_KEY_LEN, E4ErrorCode.InvalidKeyLength));
}

/**
 * The X25519 private key of an Ed25519 key, as e4go's extra25519.PrivateKeyToCurve25519: the
 * clamped first half of SHA-512(seed), which is the Ed25519 secret scalar (RFC 8032 §5.1.5), so
 * its X25519 public key is the Montgomery form of the Ed25519 public key.
 */
function edPrivateToCurve(privateKey: Uint8Array): Uint8Array {
  const key = sized(privateKey, 'privateKey', ED25519_PRIVATE_KEY_LEN, E4ErrorCode.InvalidKeyLength);
  const h = expandSeed(key.subarray(0, ED25519_SEED_LEN));
  const out = h.slice(0, 32);
  wipe(h);
  return out;
}

/**
 * The Montgomery u of an Ed25519 public key, u = (1 + y) / (1 − y) mod p (the birational map of
 * RFC 7748 §4.1), as e4go's extra25519.PublicKeyToCurve25519: the key must decode (Go's
 * permissive decoding; no x for y → `InvalidPublicKey`), and y = 1 (the identity) gives u = 0
 * because Go inverts by exponentiation to p − 2, which maps 0 to 0.
 */
function edPublicToCurve(publicKey: Uint8Array): Uint8Array {
  const pub = sized(publicKey, 'publicKey', ED25519_PUBLIC_KEY_LEN, E4ErrorCode.InvalidPublicKey);
  const A = decodePointAsGo(pub);
  if (A === null) throw e4Error(E4ErrorCode.InvalidPublicKey, NOT_A_POINT_MESSAGE);
  const y = A.toAffine().y;
  const inverse = Fp.pow(Fp.sub(Fp.ONE, y), P - BigInt(2));
  return numberToBytesLE(Fp.mul(Fp.add(Fp.ONE, y), inverse), 32);
}

/**
 * The key-pair generators of a provider, made from its own derivations: an Ed25519 seed and an
 * X25519 private key are 32 random bytes (RFC 8032 §5.1.5, RFC 7748 §6.1; X25519 clamps when it
 * uses them).
 */
export function keyPairGenerators(
  privateKeyFromSeedOf: (seed: Uint8Array) => Uint8Array,
  x25519PublicKeyOf: (privateKey: Uint8Array) => Uint8Array,
): Pick<CurveProvider, 'generateEd25519KeyPair' | 'generateX25519KeyPair'> {
  return {
    generateEd25519KeyPair(): KeyPair {
      const seed = randomBytes(ED25519_SEED_LEN);
      const privateKey = privateKeyFromSeedOf(seed);
      wipe(seed);
      return { privateKey, publicKey: privateKey.slice(ED25519_SEED_LEN) };
    },
    generateX25519KeyPair(): KeyPair {
      const privateKey = randomBytes(X25519_KEY_LEN);
      return { privateKey, publicKey: x25519PublicKeyOf(privateKey) };
    },
  };
}

const { generateEd25519KeyPair, generateX25519KeyPair } = keyPairGenerators(privateKeyFromSeed, x25519PublicKey);

/** The curve primitives on @noble/curves. */
export const nobleCurves: CurveProvider = {
  ed25519PrivateKeyFromSeed: privateKeyFromSeed,
  ed25519PublicKey: publicKeyOfSeed,
  ed25519Sign: sign,
  ed25519Verify: verify,
  x25519,
  x25519PublicKey,
  edPrivateToCurve,
  edPublicToCurve,
  generateEd25519KeyPair,
  generateX25519KeyPair,
};

/**
 * A public-key client's key with C2 (E4-PROTOCOL.md, "Primitives"): SHA3-256 of
 * X25519(edPrivateToCurve(client key), C2's X25519 key), all 32 bytes. The hash is a parameter
 * so that this module does not depend on which backend computes SHA3-256. Fails with
 * `InvalidPublicKey` (Go's message) when C2's key is a low-order point.
 */
export function sharedKeyWithC2(
  clientEdPrivateKey: Uint8Array,
  c2CurvePublicKey: Uint8Array,
  sha3_256: (bytes: Uint8Array) => Uint8Array,
): Uint8Array {
  const curvePrivate = edPrivateToCurve(clientEdPrivateKey);
  try {
    const secret = x25519(curvePrivate, c2CurvePublicKey);
    const key = sha3_256(secret);
    wipe(secret);
    return key;
  } finally {
    wipe(curvePrivate);
  }
}

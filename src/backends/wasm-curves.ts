/**
 * The curve primitives (`CurveProvider`, src/keys/curves.ts) on the embedded curve module
 * (assembly/curve-module.ts): Ed25519 with Go's key layout and verdicts, X25519 with Go's
 * failure rule, the Ed25519-to-X25519 key maps, for runtimes with no synchronous native Ed25519
 * (browsers, Deno). Same results and same errors as `nobleCurves`: the argument checks and the
 * error messages are those of curves.ts, shared.
 *
 * Memory: the module owns its tables, its scratch and its cache of verification keys (public
 * keys only); this binding writes only the fixed slots and the message region of the I/O window,
 * whose addresses it asks the module for once. The window holds 64 KiB at instantiation and
 * grows (never shrinks) for longer messages, up to `maxIoBytes()` (64 MiB); a longer message is
 * `InputTooLarge`. Views are rebuilt only after a grow. The module zeroes its key slot and
 * scratch after every operation; the binding zeroes the output slot after copying out a secret
 * (a shared secret, an X25519 private key).
 */
import { E4ErrorCode, e4Error } from '../errors.ts';
import {
  NOT_A_POINT_MESSAGE,
  X25519_LOW_ORDER_MESSAGE,
  keyPairGenerators,
  sized,
  type CurveProvider,
} from '../keys/curves.ts';
import {
  ED25519_PRIVATE_KEY_LEN,
  ED25519_PUBLIC_KEY_LEN,
  ED25519_SEED_LEN,
  SIGNATURE_LEN,
  X25519_KEY_LEN,
} from '../protocol/sizes.ts';
import { assertBytes } from '../utils.ts';
import { check, imports, inflate } from './wasm.ts';
import { CURVE_WASM } from './wasm-bytes.ts';

interface CurveExports {
  memory: WebAssembly.Memory;
  ioPtr(): number;
  ioCapacity(): number;
  maxIoBytes(): number;
  reserve(bytes: number): number;
  keyPtr(): number;
  publicKeyPtr(): number;
  signaturePtr(): number;
  outputPtr(): number;
  messagePtr(): number;
  verifyKeySlots(): number;
  ed25519PublicKey(): number;
  ed25519Sign(msgLen: number): number;
  ed25519Verify(msgLen: number): number;
  x25519(): number;
  x25519Base(): number;
  edPrivateToCurve(): number;
  edPublicToCurve(): number;
  sha512(len: number): number;
  wipe(): void;
}

/** assembly/status.ts: the statuses the curve operations answer besides Ok. */
const STATUS_INVALID_SIGNATURE = 7;
const STATUS_INVALID_PUBLIC_KEY = 8;
const SHA512_LEN = 64;

let compiled: Promise<WebAssembly.Module> | null = null;

/** Compiles the embedded curve module once (concurrent callers share the promise). */
export function compileCurveModule(): Promise<WebAssembly.Module> {
  if (compiled === null) {
    const attempt = inflate(CURVE_WASM, 'curve module').then((bytes) => WebAssembly.compile(bytes));
    // A failed compilation is not kept: the next call tries again.
    attempt.catch(() => {
      if (compiled === attempt) compiled = null;
    });
    compiled = attempt;
  }
  return compiled;
}

/** The curve provider on the WebAssembly module, with access to what the tests inspect. */
export interface WasmCurves extends CurveProvider {
  /** SHA-512 (FIPS 180-4) of `data`, as the module computes it for Ed25519. */
  sha512(data: Uint8Array): Uint8Array;
  /** Start of the module's I/O window: below it lie only the module's tables and scratch. */
  readonly ioPtr: number;
  /** The module's whole linear memory, for tests that look for leftover secrets. */
  curveMemory(): Uint8Array;
  /** How many public keys the module keeps verification tables for, for tests that evict them. */
  readonly verifyKeySlots: number;
}

/** A `CurveProvider` on one instance of the compiled curve module; every call is synchronous. */
export function createWasmCurves(module: WebAssembly.Module): WasmCurves {
  const ex = new WebAssembly.Instance(module, imports).exports as unknown as CurveExports;
  const ioPtr = ex.ioPtr();
  const keyPtr = ex.keyPtr();
  const publicKeyPtr = ex.publicKeyPtr();
  const signaturePtr = ex.signaturePtr();
  const outputPtr = ex.outputPtr();
  const messagePtr = ex.messagePtr();
  const maxIo = ex.maxIoBytes();
  let capacity = ex.ioCapacity();
  let mem = new Uint8Array(ex.memory.buffer);

  /** Makes the window hold the fixed slots and a `length`-byte message; refreshes the view after a grow. */
  function ensureMessage(length: number, operation: string): void {
    const bytes = messagePtr - ioPtr + length;
    if (bytes <= capacity) return;
    if (bytes > maxIo) {
      throw e4Error(E4ErrorCode.InputTooLarge, operation + ': message of ' + length + ' bytes exceeds the limit of ' + (maxIo - (messagePtr - ioPtr)));
    }
    check(ex.reserve(bytes), operation);
    capacity = ex.ioCapacity();
    // `reserve` is the only export that grows memory; growing detaches the old buffer.
    mem = new Uint8Array(ex.memory.buffer);
  }

  function output(length: number): Uint8Array {
    return mem.slice(outputPtr, outputPtr + length);
  }

  /** Copies a secret result out and zeroes the output slot. */
  function secretOutput(length: number): Uint8Array {
    const out = mem.slice(outputPtr, outputPtr + length);
    mem.fill(0, outputPtr, outputPtr + length);
    return out;
  }

  function publicKeyOfSeed(seed: Uint8Array): Uint8Array {
    const s = sized(seed, 'seed', ED25519_SEED_LEN, E4ErrorCode.InvalidKeyLength);
    mem.set(s, keyPtr);
    check(ex.ed25519PublicKey(), 'ed25519PublicKey');
    return output(ED25519_PUBLIC_KEY_LEN);
  }

  function privateKeyFromSeed(seed: Uint8Array): Uint8Array {
    const publicKey = publicKeyOfSeed(seed);
    const out = new Uint8Array(ED25519_PRIVATE_KEY_LEN);
    out.set(seed, 0);
    out.set(publicKey, ED25519_SEED_LEN);
    return out;
  }

  function x25519PublicKey(privateKey: Uint8Array): Uint8Array {
    const key = sized(privateKey, 'privateKey', X25519_KEY_LEN, E4ErrorCode.InvalidKeyLength);
    mem.set(key, keyPtr);
    check(ex.x25519Base(), 'x25519PublicKey');
    return output(X25519_KEY_LEN);
  }

  return {
    ed25519PrivateKeyFromSeed: privateKeyFromSeed,
    ed25519PublicKey: publicKeyOfSeed,
    ed25519Sign(privateKey, message) {
      const key = sized(privateKey, 'privateKey', ED25519_PRIVATE_KEY_LEN, E4ErrorCode.InvalidKeyLength);
      const msg = assertBytes(message, 'message');
      ensureMessage(msg.length, 'ed25519Sign');
      mem.set(key, keyPtr);
      mem.set(msg, messagePtr);
      check(ex.ed25519Sign(msg.length), 'ed25519Sign');
      return mem.slice(signaturePtr, signaturePtr + SIGNATURE_LEN);
    },
    ed25519Verify(publicKey, message, signature) {
      const pub = assertBytes(publicKey, 'publicKey');
      const msg = assertBytes(message, 'message');
      const sig = assertBytes(signature, 'signature');
      if (pub.length !== ED25519_PUBLIC_KEY_LEN || sig.length !== SIGNATURE_LEN) return false;
      ensureMessage(msg.length, 'ed25519Verify');
      mem.set(pub, publicKeyPtr);
      mem.set(sig, signaturePtr);
      mem.set(msg, messagePtr);
      const status = ex.ed25519Verify(msg.length);
      if (status === STATUS_INVALID_SIGNATURE) return false;
      check(status, 'ed25519Verify');
      return true;
    },
    x25519(privateKey, publicKey) {
      const scalar = sized(privateKey, 'privateKey', X25519_KEY_LEN, E4ErrorCode.InvalidKeyLength);
      const u = sized(publicKey, 'publicKey', X25519_KEY_LEN, E4ErrorCode.InvalidPublicKey);
      mem.set(scalar, keyPtr);
      mem.set(u, publicKeyPtr);
      const status = ex.x25519();
      if (status === STATUS_INVALID_PUBLIC_KEY) throw e4Error(E4ErrorCode.InvalidPublicKey, X25519_LOW_ORDER_MESSAGE);
      check(status, 'x25519');
      return secretOutput(X25519_KEY_LEN);
    },
    x25519PublicKey,
    edPrivateToCurve(privateKey) {
      const key = sized(privateKey, 'privateKey', ED25519_PRIVATE_KEY_LEN, E4ErrorCode.InvalidKeyLength);
      mem.set(key, keyPtr);
      check(ex.edPrivateToCurve(), 'edPrivateToCurve');
      return secretOutput(X25519_KEY_LEN);
    },
    edPublicToCurve(publicKey) {
      const pub = sized(publicKey, 'publicKey', ED25519_PUBLIC_KEY_LEN, E4ErrorCode.InvalidPublicKey);
      mem.set(pub, publicKeyPtr);
      const status = ex.edPublicToCurve();
      if (status === STATUS_INVALID_PUBLIC_KEY) throw e4Error(E4ErrorCode.InvalidPublicKey, NOT_A_POINT_MESSAGE);
      check(status, 'edPublicToCurve');
      return output(X25519_KEY_LEN);
    },
    ...keyPairGenerators(privateKeyFromSeed, x25519PublicKey),
    sha512(data) {
      const bytes = assertBytes(data, 'data');
      ensureMessage(bytes.length, 'sha512');
      mem.set(bytes, messagePtr);
      check(ex.sha512(bytes.length), 'sha512');
      return output(SHA512_LEN);
    },
    ioPtr,
    curveMemory() {
      return new Uint8Array(ex.memory.buffer);
    },
    verifyKeySlots: ex.verifyKeySlots(),
  } satisfies WasmCurves;
}

// Curve WebAssembly module: memory contract
// ========================================
//
// This module computes Ed25519 (RFC 8032 §5.1, with Go's key layout and verdicts), X25519
// (RFC 7748 §5), the Ed25519-to-X25519 key maps of E4 and SHA-512 (FIPS 180-4), and nothing
// else. It is a module of its own so that the symmetric-only users of the core module do not
// carry its tables, and so that runtimes without a synchronous native Ed25519 (browsers, Deno)
// get one.
//
// Exports: memory, ioPtr, ioCapacity, maxIoBytes, reserve, keyPtr, publicKeyPtr, signaturePtr,
// outputPtr, messagePtr, verifyKeySlots, the operations below, and wipe. No imports.
//
// Linear memory, from address 0 upwards:
//
//   static data   SHA-512 constants; d, 2·d, sqrt(−1) and the base-point tables of
//                 ed25519-tables.ts (32 rows × 8 multiples for signing, 8 parts × 8 odd
//                 multiples for verification, 37.5 KiB); the scratch of sha512.ts,
//                 scalar25519.ts, field25519.ts, ed25519.ts and x25519.ts; the verification key
//                 cache of ed25519.ts, below
//   I/O window    ioPtr() .. ioPtr() + ioCapacity(): from __heap_base rounded up to 64 bytes to
//                 the end of memory. Instantiation grows memory so that the window holds
//                 IO_INITIAL_BYTES (64 KiB); `reserve(bytes)` grows it further, up to
//                 MAX_IO_BYTES (64 MiB), and it never shrinks.
//
// Verification key cache: KEY_SLOTS (64, `verifyKeySlots()`) slots of 10,400 bytes (650 KiB, all
// zero at instantiation, so no part of the module file), each the tables of one Ed25519 public
// key for ed25519Verify. Public keys and points computed from them only: nothing secret, and
// neither `wipe` nor any operation clears it. A slot:
//
//   offset  bytes    holds
//   0       32       the public key, exactly as received (the lookup key)
//   32      4        u32 parts whose tables follow: 0 free, 1 after the key's first
//                    verification, 8 from its second on
//   36      4        unused
//   40      120      −A, projective (X : Y : Z)
//   160     8 × 1280 part j (0 ≤ j < 8): the odd multiples P, 3P, …, 15P of P = 2^(32·j)·(−A),
//                    cached form (ed25519.ts), 160 bytes each
//
// Window layout (offsets from ioPtr(); each slot's address also has a getter):
//
//   offset  bytes    slot        holds
//   0       64       key         Ed25519 private key (seed ‖ public half), seed (first 32
//                                bytes) or X25519 scalar (first 32 bytes)
//   64      32       publicKey   Ed25519 public key or X25519 u-coordinate
//   96      64       signature   R ‖ S: the output of ed25519Sign, the input of ed25519Verify
//   160     64       output      every other result (32 bytes, or SHA-512's 64)
//   224     msgLen   message     the message of ed25519Sign / ed25519Verify, the data of sha512
//
// The host writes inputs into their slots, calls one operation and reads its result. Operations
// (status codes of assembly/status.ts):
//
//   ed25519PublicKey()         key[0,32) seed               → output[0,32) public key
//   ed25519Sign(msgLen)        key (64), message            → signature
//   ed25519Verify(msgLen)      publicKey, signature, message→ 0 Ok when Go's ed25519.Verify
//                              accepts; 7 InvalidSignature for every refusal (S ≥ L, a key with
//                              no x, a signature that does not match), without saying which
//   x25519()                   key[0,32) scalar, publicKey u→ output[0,32) shared secret;
//                              8 InvalidPublicKey when it is all zero (u of small order), the
//                              output then being zero too
//   x25519Base()               key[0,32) scalar             → output[0,32) u of scalar·(u = 9)
//   edPrivateToCurve()         key (64)                     → output[0,32) X25519 private key
//   edPublicToCurve()          publicKey (Ed25519)          → output[0,32) X25519 public key;
//                              8 InvalidPublicKey when the key has no x
//   sha512(len)                message[0,len)               → output (64)
//
// Operations that take a length return 3 InputTooLarge, touching nothing else, when the
// message does not fit the window as it is now (checked in 64-bit arithmetic); `reserve` returns
// 5 OutOfMemory beyond MAX_IO_BYTES or when the host refuses to grow memory. No argument value
// makes the module trap or write outside the window and its static data.
//
// Secrets: seeds, private keys, X25519 scalars, the clamped and expanded scalars, nonces and
// every intermediate point or hash derived from them. Every operation zeroes the key slot and
// all scratch before returning, whatever its status; the secret outputs (shared secrets, X25519
// private keys) stay in the output slot until the host clears it or calls `wipe`.

import {
  KEY_SLOTS,
  PRIVATE_KEY_LEN,
  PUBLIC_KEY_LEN,
  SIGNATURE_LEN,
  edPrivateToCurve as edPrivateToCurveKey,
  edPublicToCurve as edPublicToCurveKey,
  ed25519PublicKey as ed25519PublicKeyOf,
  ed25519Sign as ed25519SignMessage,
  ed25519Verify as ed25519VerifyMessage,
  wipeEd25519Scratch,
  x25519BaseViaEdwards,
} from "./ed25519";
import { wipeFieldScratch } from "./field25519";
import { wipeScalarScratch } from "./scalar25519";
import { SHA512_DIGEST_LEN, sha512 as sha512Digest, wipeSha512 } from "./sha512";
import { Status } from "./status";
import { wipeX25519Scratch, x25519 as x25519Ladder } from "./x25519";

const IO_INITIAL_BYTES: u32 = 64 << 10;
const MAX_IO_BYTES: u32 = 64 << 20;
const PAGE_BYTES: u64 = 65536;

const KEY_OFFSET: usize = 0;
const PUBLIC_KEY_OFFSET: usize = KEY_OFFSET + <usize>PRIVATE_KEY_LEN;
const SIGNATURE_OFFSET: usize = PUBLIC_KEY_OFFSET + <usize>PUBLIC_KEY_LEN;
const OUTPUT_OFFSET: usize = SIGNATURE_OFFSET + <usize>SIGNATURE_LEN;
const MESSAGE_OFFSET: usize = OUTPUT_OFFSET + <usize>SHA512_DIGEST_LEN;

const IO: usize = (__heap_base + 63) & ~(<usize>63);
const KEY: usize = IO + KEY_OFFSET;
const PUBLIC_KEY: usize = IO + PUBLIC_KEY_OFFSET;
const SIGNATURE: usize = IO + SIGNATURE_OFFSET;
const OUTPUT: usize = IO + OUTPUT_OFFSET;
const MESSAGE: usize = IO + MESSAGE_OFFSET;

/** Bytes the window holds now, capped at MAX_IO_BYTES. */
function windowBytes(): u32 {
  const end = <u64>memory.size() * PAGE_BYTES;
  if (end <= <u64>IO) return 0;
  const available = end - <u64>IO;
  return available < <u64>MAX_IO_BYTES ? <u32>available : MAX_IO_BYTES;
}

function grow(bytes: u32): Status {
  if (bytes > MAX_IO_BYTES) return Status.OutOfMemory;
  const neededPages = (<u64>IO + <u64>bytes + PAGE_BYTES - 1) / PAGE_BYTES;
  const pages = <u64>memory.size();
  if (neededPages <= pages) return Status.Ok;
  return memory.grow(<i32>(neededPages - pages)) < 0 ? Status.OutOfMemory : Status.Ok;
}

// Instantiation makes room for the fixed slots and messages of up to 64 KiB − 224 bytes. If the
// host refuses, the window stays smaller and every operation answers InputTooLarge.
grow(IO_INITIAL_BYTES);

/** True when the fixed slots and `messageLen` bytes of message fit the window. */
// @ts-ignore: decorator
@inline function fits(messageLen: u32): bool {
  return <u64>MESSAGE_OFFSET + <u64>messageLen <= <u64>windowBytes();
}

/** Ends every operation, on every path: the key slot and all scratch are zeroed. */
function finish(status: Status): i32 {
  if (fits(0)) memory.fill(KEY, 0, PRIVATE_KEY_LEN);
  wipeEd25519Scratch();
  wipeX25519Scratch();
  wipeScalarScratch();
  wipeFieldScratch();
  wipeSha512();
  return status;
}

/** Start of the I/O window. */
export function ioPtr(): usize {
  return IO;
}

/** Bytes the window holds now; grows only through `reserve`. */
export function ioCapacity(): u32 {
  return windowBytes();
}

/** The window never grows beyond this (64 MiB). */
export function maxIoBytes(): u32 {
  return MAX_IO_BYTES;
}

/**
 * Grows memory so that ioCapacity() >= bytes. Views on the memory buffer are detached when it
 * grows, so the binding rebuilds them after a successful call.
 */
export function reserve(bytes: u32): i32 {
  return grow(bytes);
}

/** The 64-byte key slot; every operation zeroes it before returning. */
export function keyPtr(): usize {
  return KEY;
}

/** The 32-byte slot of an Ed25519 public key or an X25519 u-coordinate. */
export function publicKeyPtr(): usize {
  return PUBLIC_KEY;
}

/** The 64-byte signature slot (R ‖ S). */
export function signaturePtr(): usize {
  return SIGNATURE;
}

/** The 64-byte output slot. */
export function outputPtr(): usize {
  return OUTPUT;
}

/** Start of the message, which runs to the end of the window. */
export function messagePtr(): usize {
  return MESSAGE;
}

/** How many public keys ed25519Verify keeps the tables of. */
export function verifyKeySlots(): u32 {
  return KEY_SLOTS;
}

/** The Ed25519 public key of the seed in key[0, 32), at output[0, 32). */
export function ed25519PublicKey(): i32 {
  if (!fits(0)) return finish(Status.InputTooLarge);
  ed25519PublicKeyOf(KEY, OUTPUT);
  return finish(Status.Ok);
}

/** Go's ed25519.Sign of message[0, msgLen) with the 64-byte private key in the key slot. */
export function ed25519Sign(msgLen: u32): i32 {
  if (!fits(msgLen)) return finish(Status.InputTooLarge);
  ed25519SignMessage(KEY, MESSAGE, msgLen, SIGNATURE);
  return finish(Status.Ok);
}

/** Go's ed25519.Verify of the signature slot over message[0, msgLen) under the publicKey slot. */
export function ed25519Verify(msgLen: u32): i32 {
  if (!fits(msgLen)) return finish(Status.InputTooLarge);
  const valid = ed25519VerifyMessage(PUBLIC_KEY, MESSAGE, msgLen, SIGNATURE);
  return finish(valid ? Status.Ok : Status.InvalidSignature);
}

/** X25519(key[0, 32), publicKey) at output[0, 32). */
export function x25519(): i32 {
  if (!fits(0)) return finish(Status.InputTooLarge);
  const nonZero = x25519Ladder(OUTPUT, KEY, PUBLIC_KEY);
  return finish(nonZero ? Status.Ok : Status.InvalidPublicKey);
}

/** X25519(key[0, 32), 9) at output[0, 32). */
export function x25519Base(): i32 {
  if (!fits(0)) return finish(Status.InputTooLarge);
  x25519BaseViaEdwards(KEY, OUTPUT);
  return finish(Status.Ok);
}

/** The X25519 private key of the Ed25519 private key in the key slot, at output[0, 32). */
export function edPrivateToCurve(): i32 {
  if (!fits(0)) return finish(Status.InputTooLarge);
  edPrivateToCurveKey(KEY, OUTPUT);
  return finish(Status.Ok);
}

/** The X25519 public key of the Ed25519 public key in the publicKey slot, at output[0, 32). */
export function edPublicToCurve(): i32 {
  if (!fits(0)) return finish(Status.InputTooLarge);
  if (!edPublicToCurveKey(PUBLIC_KEY, OUTPUT)) return finish(Status.InvalidPublicKey);
  return finish(Status.Ok);
}

/** SHA-512 of message[0, len), at output[0, 64). */
export function sha512(len: u32): i32 {
  if (!fits(len)) return finish(Status.InputTooLarge);
  sha512Digest(MESSAGE, len, OUTPUT);
  return finish(Status.Ok);
}

/** Zeroes the fixed slots of the window and all scratch. */
export function wipe(): void {
  if (fits(0)) memory.fill(IO, 0, MESSAGE_OFFSET);
  finish(Status.Ok);
}

// Argon2 WebAssembly module: memory contract
// ==========================================
//
// This module computes Argon2d, Argon2i and Argon2id, version 0x13 (RFC 9106),
// and nothing else. It is a module of its own because WebAssembly memory
// never shrinks: Argon2 needs m KiB of blocks (64 MiB for E4's key
// derivation), and the host drops the instance after a call, or keeps it to
// reuse the grown memory, without bloating the AES/SHA-3 module.
//
// Exports: memory, ioPtr, ioCapacity, argon2, wipe. No imports.
//
// Linear memory, from address 0 upwards:
//
//   static data   BLAKE2b IV and σ tables, BLAKE2b state, H0, and the
//                 scratch blocks of the compression function and of the
//                 data-independent addressing
//   I/O window    ioPtr() .. ioPtr() + ioCapacity() (64 KiB).
//                 In:  password (pwdLen bytes) ‖ salt (saltLen bytes); an
//                 empty salt is valid.
//                 Out: the tag (dkLen bytes) at ioPtr(). After a call that
//                 returns Ok, the password bytes not overwritten by the tag
//                 are zero and the rest of the window is unspecified; a call
//                 that returns another status leaves the window as it was.
//   block region  from the first 1 KiB boundary after the static data: the
//                 m' = 4·p·floor(m / 4p) blocks of 1 KiB (RFC 9106 §3.2),
//                 lane after lane. `argon2` grows memory to hold them (whole
//                 64 KiB pages) and the module never gives it back, so later
//                 calls reuse it.
//
// The host writes only into the window and reads only the tag; every other
// byte belongs to the module. Memory size is the only state kept between
// calls: each call recomputes all blocks it reads.
//
// Secrets: the password, H0 and the blocks. H0 and the window's password are
// cleared inside `argon2`; the block region and the compression scratch hold
// data derived from the password until `wipe()` is called or the instance is
// dropped.

// Status codes (assembly/status.ts) returned by `argon2`, checked in this order:
//   0 Ok
//   6 InvalidArgument  unknown type, t < 1, p < 1 or p > 2^24 − 1, m < 8·p,
//                      dkLen < 4 (the limits of RFC 9106 §3.1)
//   3 InputTooLarge    pwdLen + saltLen + dkLen > ioCapacity()
//   5 OutOfMemory      the block region would pass 4 GiB, or memory.grow
//                      was refused
// Any argument combination yields one of these; no input traps or writes
// outside the window, the static data and the block region.

import { TYPE_ID, clearScratch, fillMemory, finalize, initFirstBlocks, initialHash } from "./argon2";
import { Status } from "./status";


// RFC 9106 §3.1: parallelism 1..2^24−1, tag length ≥ 4 bytes, m ≥ 8·p KiB.
const MAX_LANES: u32 = 0xffffff;
const MIN_TAG_BYTES: u32 = 4;
const MIN_KIB_PER_LANE: u32 = 8;
const SYNC_POINTS: u32 = 4;
const BLOCK_BYTES: u64 = 1024;

const IO_CAPACITY: u32 = 65536;
const IO = memory.data(IO_CAPACITY, 64);
const BLOCKS = (__heap_base + <usize>BLOCK_BYTES - 1) & ~(<usize>BLOCK_BYTES - 1);
// Wasm32 addresses end at 2^32: the block region cannot extend past them.
const ADDRESS_SPACE: u64 = 1 << 32;

/** Start of the I/O window. */
export function ioPtr(): usize {
  return IO;
}

/** Size of the I/O window in bytes: password, salt and tag must fit in it. */
export function ioCapacity(): u32 {
  return IO_CAPACITY;
}

/**
 * Argon2 (type 0 = d, 1 = i, 2 = id) with t passes over m KiB in p lanes, of
 * the password and salt in the window, with an empty secret and empty
 * associated data. Writes the dkLen-byte tag at ioPtr() and returns a status
 * code (see the header of this file).
 */
export function argon2(type: u32, t: u32, mKiB: u32, p: u32, pwdLen: u32, saltLen: u32, dkLen: u32): i32 {
  if (
    type > TYPE_ID || t < 1 || p < 1 || p > MAX_LANES ||
    mKiB < MIN_KIB_PER_LANE * p || dkLen < MIN_TAG_BYTES
  ) return Status.InvalidArgument;
  if (<u64>pwdLen + <u64>saltLen + <u64>dkLen > <u64>IO_CAPACITY) return Status.InputTooLarge;

  // §3.2 step 2: m' rounds m down to a multiple of 4·p; a lane has q = m'/p
  // blocks, a multiple of the four slices.
  const laneBlocks = mKiB / (SYNC_POINTS * p) * SYNC_POINTS;
  const regionEnd = <u64>BLOCKS + <u64>laneBlocks * p * BLOCK_BYTES;
  if (regionEnd > ADDRESS_SPACE) return Status.OutOfMemory;
  const pagesNeeded = <i32>((regionEnd + 0xffff) >> 16);
  const pages = memory.size();
  if (pagesNeeded > pages && memory.grow(pagesNeeded - pages) < 0) return Status.OutOfMemory;

  initialHash(type, t, mKiB, p, IO, pwdLen, IO + pwdLen, saltLen, dkLen);
  memory.fill(IO, 0, pwdLen);
  initFirstBlocks(p, laneBlocks, BLOCKS);
  fillMemory(type, t, p, laneBlocks, BLOCKS);
  finalize(IO, dkLen, p, laneBlocks, BLOCKS);
  return Status.Ok;
}

/**
 * Zeroes the I/O window, the scratch blocks that can hold data derived from
 * the password, and all memory from the block region to the end.
 */
export function wipe(): void {
  memory.fill(IO, 0, IO_CAPACITY);
  clearScratch();
  const memoryEnd = <u64>memory.size() << 16;
  if (memoryEnd > <u64>BLOCKS) memory.fill(BLOCKS, 0, <usize>(memoryEnd - <u64>BLOCKS));
}

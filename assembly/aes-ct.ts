/**
 * Constant-time AES encryption (FIPS 197) for 128-, 192- and 256-bit keys, bitsliced over eight
 * blocks in eight v128 values. No branch and no memory address anywhere in this file depends on
 * a key or on data: every table lookup of aes.ts becomes Boolean algebra on whole registers.
 * test/ct-wasm.test.ts checks that on the compiled module (a taint analysis from every load).
 *
 * Layout (Käsper and Schwabe, Faster and timing-attack resistant AES-GCM, CHES 2009, §4): eight
 * lanes k = 0..7 each hold one block; plane j (a v128) holds bit j of every byte of every lane:
 * bit k of byte i of plane j is bit j of byte i of lane k's block. Byte i of a plane is byte i of
 * the AES state (FIPS 197 §3.4: column i / 4, row i % 4), so ShiftRows and the row rotations of
 * MixColumns are byte permutations of each plane, one each (aes-shuffles.ts).
 * `transpose` moves eight blocks between this layout and bytes in memory; it is an involution.
 *
 * SubBytes is the Boyar–Peralta circuit (J. Boyar, R. Peralta, A depth-16 circuit for the AES
 * S-box, 2011; the 113-gate listing of the Yale Circuit Minimization Team) applied to the planes
 * (in build/gen-aes-ct-rounds.ts, which writes the rounds to aes-ct-rounds.ts).
 * Its four output NOTs, the S-box's affine constant 0x63, are left out and folded into the round
 * keys 1..Nr instead: ShiftRows keeps a constant state, and MixColumns too (2 ⊕ 3 ⊕ 1 ⊕ 1 = 1), so
 * XORing 0x63 into every byte of the next round key gives the same state.
 *
 * Multi-block by design: one call encrypts eight blocks for the price of one, and each lane may
 * run under its own key (`ctSelectLaneKey` mixes schedules lane by lane), which is how CTR fills
 * the lanes with counter blocks and a batch runs the CMAC chains of eight messages side by side.
 * Two sets of eight lanes go through the rounds together where there is work for both
 * (`ctEncryptLaneSets`: CTR of more than eight blocks, the sixteen lanes of a batch), since one
 * set alone leaves most of a core idle (build/gen-aes-ct-rounds.ts, which writes the rounds).
 *
 * One block: a CMAC chain is serial and runs on the one-block rounds of aes-ct-block.ts instead.
 *
 * Schedules (`ctExpandKey`): Nr + 1 bitsliced round keys of CT_ROUND_KEY_BYTES each, every byte
 * of a plane 0xff or 0x00 (the key bit, copied to every lane), round key k < Nr with its bytes
 * where round k keeps the state (ShiftRows⁻ᵏ, `cipherRounds`), then the Nr + 1 round keys as
 * aes-ct-block.ts's one-block round keys. The key expansion runs SubWord through the circuit,
 * on bytes spread into planes, so it is constant-time too.
 */

import { towerRoundKeys } from "./aes-ct-block";
import { cipherRounds, cipherRoundsTwice } from "./aes-ct-rounds";
import { roundKeyPlacement } from "./aes-shuffles";

/** One bitsliced round key: eight planes of 16 bytes. */
export const CT_ROUND_KEY_BYTES: usize = 128;
/** Eight blocks, in bytes or in planes. */
export const CT_LANES_BYTES: usize = 128;
export const CT_LANES: u32 = 8;
/** A bitsliced round key and the same as 16 bytes. */
const ROUND_KEY_BOTH_BYTES: usize = CT_ROUND_KEY_BYTES + 16;
/** The largest schedule, AES-256's: 15 round keys. */
export const CT_SCHEDULE_BYTES: usize = 15 * ROUND_KEY_BOTH_BYTES;

/** Bytes of a schedule of `rounds` rounds. */
// @ts-ignore: decorator
@inline
export function ctScheduleBytes(rounds: u32): usize {
  return (<usize>rounds + 1) * ROUND_KEY_BOTH_BYTES;
}

/** Bytes of the bitsliced round keys of a schedule of `rounds` rounds. */
// @ts-ignore: decorator
@inline
function planesBytes(rounds: u32): usize {
  return (<usize>rounds + 1) * CT_ROUND_KEY_BYTES;
}

/** Bit `bit` set in each of the 16 bytes: a plane bit in byte terms, or lane `bit`'s mask. */
// @ts-ignore: decorator
@inline
function bitOfEveryByte(bit: u32): v128 {
  return i8x16.splat(<i8>(<u32>1 << bit));
}

/** Exchanges the bits of `b` under `mask` with those of `a` under `mask << shift` (SWAPMOVE). */
// @ts-ignore: decorator
@inline
function swapMoveDelta(a: v128, b: v128, shift: i32, mask: v128): v128 {
  return v128.and(v128.xor(i64x2.shr_u(a, shift), b), mask);
}

/**
 * Transposes, within each of the 16 byte positions, the 8 × 8 bit matrix (lane, bit) of the eight
 * 16-byte values at `ptr`: bytes of eight blocks become planes and planes become bytes. Three
 * layers of SWAPMOVE exchange the lane index and the bit index one binary digit at a time.
 */
function transpose(ptr: usize): void {
  let r0 = v128.load(ptr);
  let r1 = v128.load(ptr, 16);
  let r2 = v128.load(ptr, 32);
  let r3 = v128.load(ptr, 48);
  let r4 = v128.load(ptr, 64);
  let r5 = v128.load(ptr, 80);
  let r6 = v128.load(ptr, 96);
  let r7 = v128.load(ptr, 112);
  const m1 = i8x16.splat(0x55);
  const m2 = i8x16.splat(0x33);
  const m4 = i8x16.splat(0x0f);
  let t = swapMoveDelta(r0, r1, 1, m1);
  r1 = v128.xor(r1, t);
  r0 = v128.xor(r0, i64x2.shl(t, 1));
  t = swapMoveDelta(r2, r3, 1, m1);
  r3 = v128.xor(r3, t);
  r2 = v128.xor(r2, i64x2.shl(t, 1));
  t = swapMoveDelta(r4, r5, 1, m1);
  r5 = v128.xor(r5, t);
  r4 = v128.xor(r4, i64x2.shl(t, 1));
  t = swapMoveDelta(r6, r7, 1, m1);
  r7 = v128.xor(r7, t);
  r6 = v128.xor(r6, i64x2.shl(t, 1));
  t = swapMoveDelta(r0, r2, 2, m2);
  r2 = v128.xor(r2, t);
  r0 = v128.xor(r0, i64x2.shl(t, 2));
  t = swapMoveDelta(r1, r3, 2, m2);
  r3 = v128.xor(r3, t);
  r1 = v128.xor(r1, i64x2.shl(t, 2));
  t = swapMoveDelta(r4, r6, 2, m2);
  r6 = v128.xor(r6, t);
  r4 = v128.xor(r4, i64x2.shl(t, 2));
  t = swapMoveDelta(r5, r7, 2, m2);
  r7 = v128.xor(r7, t);
  r5 = v128.xor(r5, i64x2.shl(t, 2));
  t = swapMoveDelta(r0, r4, 4, m4);
  r4 = v128.xor(r4, t);
  r0 = v128.xor(r0, i64x2.shl(t, 4));
  t = swapMoveDelta(r1, r5, 4, m4);
  r5 = v128.xor(r5, t);
  r1 = v128.xor(r1, i64x2.shl(t, 4));
  t = swapMoveDelta(r2, r6, 4, m4);
  r6 = v128.xor(r6, t);
  r2 = v128.xor(r2, i64x2.shl(t, 4));
  t = swapMoveDelta(r3, r7, 4, m4);
  r7 = v128.xor(r7, t);
  r3 = v128.xor(r3, i64x2.shl(t, 4));
  v128.store(ptr, r0);
  v128.store(ptr, r1, 16);
  v128.store(ptr, r2, 32);
  v128.store(ptr, r3, 48);
  v128.store(ptr, r4, 64);
  v128.store(ptr, r5, 80);
  v128.store(ptr, r6, 96);
  v128.store(ptr, r7, 112);
}

/** The planes at `statePtr` ^= the round key at `roundKeyPtr`. */
// @ts-ignore: decorator
@inline
function addRoundKey(statePtr: usize, roundKeyPtr: usize): void {
  for (let offset: usize = 0; offset < CT_LANES_BYTES; offset += 16) {
    v128.store(statePtr + offset, v128.xor(v128.load(statePtr + offset), v128.load(roundKeyPtr + offset)));
  }
}

/**
 * Encrypts the eight blocks at `blocksPtr` (lane k at 16k) in place under a bitsliced schedule
 * of `rounds` rounds: lane k under the key that schedule holds for lane k.
 */
export function ctEncryptLanes(schedulePtr: usize, rounds: u32, blocksPtr: usize): void {
  transpose(blocksPtr);
  addRoundKey(blocksPtr, schedulePtr);
  cipherRounds(blocksPtr, schedulePtr + CT_ROUND_KEY_BYTES, rounds);
  transpose(blocksPtr);
}

/**
 * `ctEncryptLanes` on two sets of eight blocks at once, the 16 blocks at `blocksPtr`: blocks 0..7
 * under the schedule at `schedulePtr`, blocks 8..15 under the one at `secondSchedulePtr` (the
 * same pointer for one key), both of `rounds` rounds.
 */
export function ctEncryptLaneSets(schedulePtr: usize, secondSchedulePtr: usize, rounds: u32, blocksPtr: usize): void {
  const secondPtr = blocksPtr + CT_LANES_BYTES;
  transpose(blocksPtr);
  transpose(secondPtr);
  addRoundKey(blocksPtr, schedulePtr);
  addRoundKey(secondPtr, secondSchedulePtr);
  cipherRoundsTwice(blocksPtr, schedulePtr + CT_ROUND_KEY_BYTES, secondSchedulePtr + CT_ROUND_KEY_BYTES, rounds);
  transpose(blocksPtr);
  transpose(secondPtr);
}

/**
 * SubWord (FIPS 197 §5.2) of each 32-bit word of `bytes`, whose four words are equal: each
 * byte is spread into planes whose bytes are all ones or all zeros, so every lane computes the
 * same S-box value, and the cipher's last round runs on them with the S-box's constant 0x63 as
 * its round key (ShiftRows only moves bytes between columns, which are equal). `scratchPtr`
 * holds CT_LANES_BYTES of planes, secret, overwritten by the caller.
 */
function subBytesOfVector(bytes: v128, scratchPtr: usize): v128 {
  const zero = i8x16.splat(0);
  for (let bit: u32 = 0; bit < 8; bit++) {
    const plane = i8x16.ne(v128.and(bytes, bitOfEveryByte(bit)), zero);
    v128.store(scratchPtr + (<usize>bit << 4), plane);
  }
  cipherRounds(scratchPtr, SBOX_CONSTANT_PLANES, 1);
  let out = zero;
  for (let bit: u32 = 0; bit < 8; bit++) {
    const plane = v128.load(scratchPtr + (<usize>bit << 4));
    out = v128.xor(out, v128.and(plane, bitOfEveryByte(bit)));
  }
  return out;
}

/**
 * 0x63 in every byte of every lane, as planes (planes 0, 1, 5 and 6 all ones): what every round
 * key after the first carries (see the header), and so the round key under which the last round
 * is SubBytes with its constant.
 */
// @ts-ignore: decorator
@lazy const SBOX_CONSTANT_PLANES = memory.data<u64>([
  0xffffffffffffffff, 0xffffffffffffffff, 0xffffffffffffffff, 0xffffffffffffffff, 0, 0, 0, 0,
  0, 0, 0xffffffffffffffff, 0xffffffffffffffff, 0xffffffffffffffff, 0xffffffffffffffff, 0, 0,
], 16);

/**
 * The 4 · (Nr + 1) words of the key expansion (FIPS 197 §5.2) of a 16-, 24- or 32-byte key at
 * `wordsPtr`, SubWord through the circuit with `scratchPtr` (CT_LANES_BYTES, not overlapping the
 * words) for its planes: constant-time, and shared by both cores. Returns Nr (10, 12, 14).
 */
export function expandKeyWords(keyPtr: usize, keyLen: u32, wordsPtr: usize, scratchPtr: usize): u32 {
  const keyWords = keyLen >> 2;
  const rounds = keyWords + 6;
  const totalWords = (rounds + 1) << 2;
  memory.copy(wordsPtr, keyPtr, keyLen);
  let roundConstant: u32 = 1;
  let word = load<u32>(wordsPtr + ((keyWords - 1) << 2));
  for (let i = keyWords; i < totalWords; i++) {
    const position = i % keyWords;
    if (position == 0) {
      // RotWord is a right rotation here: byte 0 is the low byte of the little-endian word.
      word = subWord(rotr<u32>(word, 8), scratchPtr) ^ roundConstant;
      roundConstant = ((roundConstant << 1) ^ (0x1b & (0 - (roundConstant >> 7)))) & 0xff;
    } else if (keyWords == 8 && position == 4) {
      word = subWord(word, scratchPtr);
    }
    word ^= load<u32>(wordsPtr + ((i - keyWords) << 2));
    store<u32>(wordsPtr + (i << 2), word);
  }
  return rounds;
}

/** SubWord of a packed little-endian word, through the circuit. */
// @ts-ignore: decorator
@inline
function subWord(word: u32, scratchPtr: usize): u32 {
  return i32x4.extract_lane(subBytesOfVector(i32x4.splat(word), scratchPtr), 0);
}

/**
 * Key expansion of a 16-, 24- or 32-byte key into the schedule at `schedulePtr`
 * (ctScheduleBytes(rounds) bytes): the words after the bitsliced round keys, which are then made
 * from them, and the words then become the one-block round keys (`ctBlockRoundKeys`). Until
 * then, round key 0's bytes hold the planes of SubWord. Returns the number of rounds (10, 12, 14).
 */
export function ctExpandKey(keyPtr: usize, keyLen: u32, schedulePtr: usize): u32 {
  const rounds = (keyLen >> 2) + 6;
  const wordsPtr = schedulePtr + planesBytes(rounds);
  expandKeyWords(keyPtr, keyLen, wordsPtr, schedulePtr);
  const zero = i8x16.splat(0);
  for (let round: u32 = 0; round <= rounds; round++) {
    const roundKey = i8x16.swizzle(v128.load(wordsPtr + (<usize>round << 4)), roundKeyPlacement(round, rounds));
    const roundKeyPtr = schedulePtr + <usize>round * CT_ROUND_KEY_BYTES;
    for (let bit: u32 = 0; bit < 8; bit++) {
      let plane = i8x16.ne(v128.and(roundKey, bitOfEveryByte(bit)), zero);
      if (round > 0) plane = v128.xor(plane, v128.load(SBOX_CONSTANT_PLANES + (<usize>bit << 4)));
      v128.store(roundKeyPtr + (<usize>bit << 4), plane);
    }
  }
  towerRoundKeys(wordsPtr, rounds);
  return rounds;
}

/** The round keys of aes-ct-block.ts within the schedule at `schedulePtr`. */
// @ts-ignore: decorator
@inline
export function ctBlockRoundKeys(schedulePtr: usize, rounds: u32): usize {
  return schedulePtr + planesBytes(rounds);
}

/**
 * Makes lane `lane` of the bitsliced round keys at `mixedPtr` (up to 15 · 128 bytes) those of the
 * schedule at `schedulePtr` (both of `rounds` rounds), leaving the other lanes as they are.
 */
export function ctSelectLaneKey(mixedPtr: usize, schedulePtr: usize, rounds: u32, lane: u32): void {
  const laneMask = bitOfEveryByte(lane);
  const end = planesBytes(rounds);
  for (let offset: usize = 0; offset < end; offset += 16) {
    const mixed = v128.load(mixedPtr + offset);
    v128.store(mixedPtr + offset, v128.bitselect(v128.load(schedulePtr + offset), mixed, laneMask));
  }
}

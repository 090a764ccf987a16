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
 * S-box, 2011; the 113-gate listing of the Yale Circuit Minimization Team) applied to the planes.
 * Its four output NOTs, the S-box's affine constant 0x63, are left out and folded into the round
 * keys 1..Nr instead: ShiftRows keeps a constant state, and MixColumns too (2 ⊕ 3 ⊕ 1 ⊕ 1 = 1), so
 * XORing 0x63 into every byte of the next round key gives the same state.
 *
 * Multi-block by design: one call encrypts eight blocks for the price of one, and each lane may
 * run under its own key (`ctSelectLaneKey` mixes schedules lane by lane), which is how CTR fills
 * the lanes with counter blocks and a batch runs the CMAC chains of eight messages side by side.
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
import { rotate1InRound, rotate2InRound, roundKeyPlacement, shiftRowsPower } from "./aes-shuffles";

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

/**
 * The `rounds` rounds of the cipher on the eight planes at `statePtr` (plane j at 16j), round key
 * 0 already added, round key k (1..rounds) at `keyPtr` + CT_ROUND_KEY_BYTES · (k − 1): SubBytes
 * without its constant 0x63, MixColumns (not in the last round) and AddRoundKey, ShiftRows left
 * out (aes-shuffles.ts: the planes after round k hold the state with its bytes moved by
 * ShiftRows⁻ᵏ, which the last round puts back). The planes stay in locals from the first round
 * to the last: stored and reloaded between SubBytes and MixColumns or between rounds, they put
 * store-to-load forwarding on the cipher's one serial path, which cost a packed batch 8% per such
 * round trip.
 *
 * SubBytes is the Boyar–Peralta circuit: its inputs U0..U7 (x0..x7) are bits 7..0 and its
 * outputs S0..S7 bits 7..0; top linear layer, the shared GF(2^4) inversion (32 ANDs), bottom
 * linear layer. With rot the column rotation (conjugated for round k), MixColumns (FIPS 197
 * §5.1.3) is 2·t ⊕ rot(a) ⊕ rot²(t) for t = a ⊕ rot(a); doubling in GF(2^8) moves plane j to
 * j + 1 and feeds plane 7 back into planes 0, 1, 3 and 4 (0x1b).
 */
function cipherRounds(statePtr: usize, keyPtr: usize, rounds: u32): void {
  let b0 = v128.load(statePtr);
  let b1 = v128.load(statePtr, 16);
  let b2 = v128.load(statePtr, 32);
  let b3 = v128.load(statePtr, 48);
  let b4 = v128.load(statePtr, 64);
  let b5 = v128.load(statePtr, 80);
  let b6 = v128.load(statePtr, 96);
  let b7 = v128.load(statePtr, 112);
  for (let round: u32 = 1; ; round++) {
    const x0 = b7;
    const x1 = b6;
    const x2 = b5;
    const x3 = b4;
    const x4 = b3;
    const x5 = b2;
    const x6 = b1;
    const x7 = b0;

    const y14 = v128.xor(x3, x5);
    const y13 = v128.xor(x0, x6);
    const y9 = v128.xor(x0, x3);
    const y8 = v128.xor(x0, x5);
    const t0 = v128.xor(x1, x2);
    const y1 = v128.xor(t0, x7);
    const y4 = v128.xor(y1, x3);
    const y12 = v128.xor(y13, y14);
    const y2 = v128.xor(y1, x0);
    const y5 = v128.xor(y1, x6);
    const y3 = v128.xor(y5, y8);
    const t1 = v128.xor(x4, y12);
    const y15 = v128.xor(t1, x5);
    const y20 = v128.xor(t1, x1);
    const y6 = v128.xor(y15, x7);
    const y10 = v128.xor(y15, t0);
    const y11 = v128.xor(y20, y9);
    const y7 = v128.xor(x7, y11);
    const y17 = v128.xor(y10, y11);
    const y19 = v128.xor(y10, y8);
    const y16 = v128.xor(t0, y11);
    const y21 = v128.xor(y13, y16);
    const y18 = v128.xor(x0, y16);

    const t2 = v128.and(y12, y15);
    const t3 = v128.and(y3, y6);
    const t4 = v128.xor(t3, t2);
    const t5 = v128.and(y4, x7);
    const t6 = v128.xor(t5, t2);
    const t7 = v128.and(y13, y16);
    const t8 = v128.and(y5, y1);
    const t9 = v128.xor(t8, t7);
    const t10 = v128.and(y2, y7);
    const t11 = v128.xor(t10, t7);
    const t12 = v128.and(y9, y11);
    const t13 = v128.and(y14, y17);
    const t14 = v128.xor(t13, t12);
    const t15 = v128.and(y8, y10);
    const t16 = v128.xor(t15, t12);
    const t17 = v128.xor(t4, t14);
    const t18 = v128.xor(t6, t16);
    const t19 = v128.xor(t9, t14);
    const t20 = v128.xor(t11, t16);
    const t21 = v128.xor(t17, y20);
    const t22 = v128.xor(t18, y19);
    const t23 = v128.xor(t19, y21);
    const t24 = v128.xor(t20, y18);

    const t25 = v128.xor(t21, t22);
    const t26 = v128.and(t21, t23);
    const t27 = v128.xor(t24, t26);
    const t28 = v128.and(t25, t27);
    const t29 = v128.xor(t28, t22);
    const t30 = v128.xor(t23, t24);
    const t31 = v128.xor(t22, t26);
    const t32 = v128.and(t31, t30);
    const t33 = v128.xor(t32, t24);
    const t34 = v128.xor(t23, t33);
    const t35 = v128.xor(t27, t33);
    const t36 = v128.and(t24, t35);
    const t37 = v128.xor(t36, t34);
    const t38 = v128.xor(t27, t36);
    const t39 = v128.and(t29, t38);
    const t40 = v128.xor(t25, t39);

    const t41 = v128.xor(t40, t37);
    const t42 = v128.xor(t29, t33);
    const t43 = v128.xor(t29, t40);
    const t44 = v128.xor(t33, t37);
    const t45 = v128.xor(t42, t41);
    const z0 = v128.and(t44, y15);
    const z1 = v128.and(t37, y6);
    const z2 = v128.and(t33, x7);
    const z3 = v128.and(t43, y16);
    const z4 = v128.and(t40, y1);
    const z5 = v128.and(t29, y7);
    const z6 = v128.and(t42, y11);
    const z7 = v128.and(t45, y17);
    const z8 = v128.and(t41, y10);
    const z9 = v128.and(t44, y12);
    const z10 = v128.and(t37, y3);
    const z11 = v128.and(t33, y4);
    const z12 = v128.and(t43, y13);
    const z13 = v128.and(t40, y5);
    const z14 = v128.and(t29, y2);
    const z15 = v128.and(t42, y9);
    const z16 = v128.and(t45, y14);
    const z17 = v128.and(t41, y8);

    const t46 = v128.xor(z15, z16);
    const t47 = v128.xor(z10, z11);
    const t48 = v128.xor(z5, z13);
    const t49 = v128.xor(z9, z10);
    const t50 = v128.xor(z2, z12);
    const t51 = v128.xor(z2, z5);
    const t52 = v128.xor(z7, z8);
    const t53 = v128.xor(z0, z3);
    const t54 = v128.xor(z6, z7);
    const t55 = v128.xor(z16, z17);
    const t56 = v128.xor(z12, t48);
    const t57 = v128.xor(t50, t53);
    const t58 = v128.xor(z4, t46);
    const t59 = v128.xor(z3, t54);
    const t60 = v128.xor(t46, t57);
    const t61 = v128.xor(z14, t57);
    const t62 = v128.xor(t52, t58);
    const t63 = v128.xor(t49, t58);
    const t64 = v128.xor(z4, t59);
    const t65 = v128.xor(t61, t62);
    const t66 = v128.xor(z1, t63);
    const t67 = v128.xor(t64, t65);
    const s3 = v128.xor(t53, t66);
    // S1, S2, S6 and S7 are XNORs in the circuit: their NOT is the 0x63 the round keys carry.
    const p7 = v128.xor(t59, t63);
    const p6 = v128.xor(t64, s3);
    const p5 = v128.xor(t55, t67);
    const p4 = s3;
    const p3 = v128.xor(t51, t66);
    const p2 = v128.xor(t47, t65);
    const p1 = v128.xor(t56, t62);
    const p0 = v128.xor(t48, t60);
    const k = keyPtr;
    if (round == rounds) {
      const back = shiftRowsPower(round);
      v128.store(statePtr, v128.xor(i8x16.swizzle(p0, back), v128.load(k)));
      v128.store(statePtr, v128.xor(i8x16.swizzle(p1, back), v128.load(k, 16)), 16);
      v128.store(statePtr, v128.xor(i8x16.swizzle(p2, back), v128.load(k, 32)), 32);
      v128.store(statePtr, v128.xor(i8x16.swizzle(p3, back), v128.load(k, 48)), 48);
      v128.store(statePtr, v128.xor(i8x16.swizzle(p4, back), v128.load(k, 64)), 64);
      v128.store(statePtr, v128.xor(i8x16.swizzle(p5, back), v128.load(k, 80)), 80);
      v128.store(statePtr, v128.xor(i8x16.swizzle(p6, back), v128.load(k, 96)), 96);
      v128.store(statePtr, v128.xor(i8x16.swizzle(p7, back), v128.load(k, 112)), 112);
      return;
    }
    const rotate1 = rotate1InRound(round);
    const rotate2 = rotate2InRound(round);
    const r0 = i8x16.swizzle(p0, rotate1);
    const r1 = i8x16.swizzle(p1, rotate1);
    const r2 = i8x16.swizzle(p2, rotate1);
    const r3 = i8x16.swizzle(p3, rotate1);
    const r4 = i8x16.swizzle(p4, rotate1);
    const r5 = i8x16.swizzle(p5, rotate1);
    const r6 = i8x16.swizzle(p6, rotate1);
    const r7 = i8x16.swizzle(p7, rotate1);
    const m0 = v128.xor(p0, r0);
    const m1 = v128.xor(p1, r1);
    const m2 = v128.xor(p2, r2);
    const m3 = v128.xor(p3, r3);
    const m4 = v128.xor(p4, r4);
    const m5 = v128.xor(p5, r5);
    const m6 = v128.xor(p6, r6);
    const m7 = v128.xor(p7, r7);
    b0 = v128.xor(v128.xor(m7, r0), v128.xor(i8x16.swizzle(m0, rotate2), v128.load(k)));
    b1 = v128.xor(v128.xor(v128.xor(m0, m7), r1), v128.xor(i8x16.swizzle(m1, rotate2), v128.load(k, 16)));
    b2 = v128.xor(v128.xor(m1, r2), v128.xor(i8x16.swizzle(m2, rotate2), v128.load(k, 32)));
    b3 = v128.xor(v128.xor(v128.xor(m2, m7), r3), v128.xor(i8x16.swizzle(m3, rotate2), v128.load(k, 48)));
    b4 = v128.xor(v128.xor(v128.xor(m3, m7), r4), v128.xor(i8x16.swizzle(m4, rotate2), v128.load(k, 64)));
    b5 = v128.xor(v128.xor(m4, r5), v128.xor(i8x16.swizzle(m5, rotate2), v128.load(k, 80)));
    b6 = v128.xor(v128.xor(m5, r6), v128.xor(i8x16.swizzle(m6, rotate2), v128.load(k, 96)));
    b7 = v128.xor(v128.xor(m6, r7), v128.xor(i8x16.swizzle(m7, rotate2), v128.load(k, 112)));
    keyPtr += CT_ROUND_KEY_BYTES;
  }
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

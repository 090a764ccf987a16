/**
 * Keccak-f[1600] and SHA3-256 (FIPS 202).
 *
 * The 25 lanes are held in locals for the whole permutation; lane (x, y) is `a{x + 5y}`, a
 * little-endian u64 (FIPS 202 §3.1.2 numbers state bits so that lane bytes are little-endian,
 * which is WebAssembly's native order). Each round is written out: θ, then ρ and π fused into
 * the moves to `b`, then χ and ι (§3.2).
 */

import { wipe } from "./bytes";
import { KECCAK_LAST_BLOCK, KECCAK_STATE, KECCAK_STATE_BYTES, SHA3_256_RATE } from "./memory";

/** ι round constants RC[ir] (FIPS 202 §3.2.5). */
// @ts-ignore: decorator
@lazy @inline const ROUND_CONSTANTS = memory.data<u64>([
  0x0000000000000001, 0x0000000000008082, 0x800000000000808a, 0x8000000080008000,
  0x000000000000808b, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
  0x000000000000008a, 0x0000000000000088, 0x0000000080008009, 0x000000008000000a,
  0x000000008000808b, 0x800000000000008b, 0x8000000000008089, 0x8000000000008003,
  0x8000000000008002, 0x8000000000000080, 0x000000000000800a, 0x800000008000000a,
  0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008
]);

/** Keccak-f[1600] = Keccak-p[1600, 24] (FIPS 202 §3.4) on the state at `statePtr`, in place. */
function keccakF1600(statePtr: usize): void {
  let a0 = load<u64>(statePtr, 0);
  let a1 = load<u64>(statePtr, 8);
  let a2 = load<u64>(statePtr, 16);
  let a3 = load<u64>(statePtr, 24);
  let a4 = load<u64>(statePtr, 32);
  let a5 = load<u64>(statePtr, 40);
  let a6 = load<u64>(statePtr, 48);
  let a7 = load<u64>(statePtr, 56);
  let a8 = load<u64>(statePtr, 64);
  let a9 = load<u64>(statePtr, 72);
  let a10 = load<u64>(statePtr, 80);
  let a11 = load<u64>(statePtr, 88);
  let a12 = load<u64>(statePtr, 96);
  let a13 = load<u64>(statePtr, 104);
  let a14 = load<u64>(statePtr, 112);
  let a15 = load<u64>(statePtr, 120);
  let a16 = load<u64>(statePtr, 128);
  let a17 = load<u64>(statePtr, 136);
  let a18 = load<u64>(statePtr, 144);
  let a19 = load<u64>(statePtr, 152);
  let a20 = load<u64>(statePtr, 160);
  let a21 = load<u64>(statePtr, 168);
  let a22 = load<u64>(statePtr, 176);
  let a23 = load<u64>(statePtr, 184);
  let a24 = load<u64>(statePtr, 192);
  for (let round: u32 = 0; round < 24; round++) {
    const c0 = a0 ^ a5 ^ a10 ^ a15 ^ a20;
    const c1 = a1 ^ a6 ^ a11 ^ a16 ^ a21;
    const c2 = a2 ^ a7 ^ a12 ^ a17 ^ a22;
    const c3 = a3 ^ a8 ^ a13 ^ a18 ^ a23;
    const c4 = a4 ^ a9 ^ a14 ^ a19 ^ a24;
    const d0 = c4 ^ rotl<u64>(c1, 1);
    const d1 = c0 ^ rotl<u64>(c2, 1);
    const d2 = c1 ^ rotl<u64>(c3, 1);
    const d3 = c2 ^ rotl<u64>(c4, 1);
    const d4 = c3 ^ rotl<u64>(c0, 1);
    const b0 = a0 ^ d0;
    const b1 = rotl<u64>(a6 ^ d1, 44);
    const b2 = rotl<u64>(a12 ^ d2, 43);
    const b3 = rotl<u64>(a18 ^ d3, 21);
    const b4 = rotl<u64>(a24 ^ d4, 14);
    const b5 = rotl<u64>(a3 ^ d3, 28);
    const b6 = rotl<u64>(a9 ^ d4, 20);
    const b7 = rotl<u64>(a10 ^ d0, 3);
    const b8 = rotl<u64>(a16 ^ d1, 45);
    const b9 = rotl<u64>(a22 ^ d2, 61);
    const b10 = rotl<u64>(a1 ^ d1, 1);
    const b11 = rotl<u64>(a7 ^ d2, 6);
    const b12 = rotl<u64>(a13 ^ d3, 25);
    const b13 = rotl<u64>(a19 ^ d4, 8);
    const b14 = rotl<u64>(a20 ^ d0, 18);
    const b15 = rotl<u64>(a4 ^ d4, 27);
    const b16 = rotl<u64>(a5 ^ d0, 36);
    const b17 = rotl<u64>(a11 ^ d1, 10);
    const b18 = rotl<u64>(a17 ^ d2, 15);
    const b19 = rotl<u64>(a23 ^ d3, 56);
    const b20 = rotl<u64>(a2 ^ d2, 62);
    const b21 = rotl<u64>(a8 ^ d3, 55);
    const b22 = rotl<u64>(a14 ^ d4, 39);
    const b23 = rotl<u64>(a15 ^ d0, 41);
    const b24 = rotl<u64>(a21 ^ d1, 2);
    a0 = b0 ^ (~b1 & b2);
    a1 = b1 ^ (~b2 & b3);
    a2 = b2 ^ (~b3 & b4);
    a3 = b3 ^ (~b4 & b0);
    a4 = b4 ^ (~b0 & b1);
    a5 = b5 ^ (~b6 & b7);
    a6 = b6 ^ (~b7 & b8);
    a7 = b7 ^ (~b8 & b9);
    a8 = b8 ^ (~b9 & b5);
    a9 = b9 ^ (~b5 & b6);
    a10 = b10 ^ (~b11 & b12);
    a11 = b11 ^ (~b12 & b13);
    a12 = b12 ^ (~b13 & b14);
    a13 = b13 ^ (~b14 & b10);
    a14 = b14 ^ (~b10 & b11);
    a15 = b15 ^ (~b16 & b17);
    a16 = b16 ^ (~b17 & b18);
    a17 = b17 ^ (~b18 & b19);
    a18 = b18 ^ (~b19 & b15);
    a19 = b19 ^ (~b15 & b16);
    a20 = b20 ^ (~b21 & b22);
    a21 = b21 ^ (~b22 & b23);
    a22 = b22 ^ (~b23 & b24);
    a23 = b23 ^ (~b24 & b20);
    a24 = b24 ^ (~b20 & b21);
    a0 ^= load<u64>(round << 3, ROUND_CONSTANTS);
  }
  store<u64>(statePtr, a0, 0);
  store<u64>(statePtr, a1, 8);
  store<u64>(statePtr, a2, 16);
  store<u64>(statePtr, a3, 24);
  store<u64>(statePtr, a4, 32);
  store<u64>(statePtr, a5, 40);
  store<u64>(statePtr, a6, 48);
  store<u64>(statePtr, a7, 56);
  store<u64>(statePtr, a8, 64);
  store<u64>(statePtr, a9, 72);
  store<u64>(statePtr, a10, 80);
  store<u64>(statePtr, a11, 88);
  store<u64>(statePtr, a12, 96);
  store<u64>(statePtr, a13, 104);
  store<u64>(statePtr, a14, 112);
  store<u64>(statePtr, a15, 120);
  store<u64>(statePtr, a16, 128);
  store<u64>(statePtr, a17, 136);
  store<u64>(statePtr, a18, 144);
  store<u64>(statePtr, a19, 152);
  store<u64>(statePtr, a20, 160);
  store<u64>(statePtr, a21, 168);
  store<u64>(statePtr, a22, 176);
  store<u64>(statePtr, a23, 184);
  store<u64>(statePtr, a24, 192);
}

/** XORs one rate-sized block into the first SHA3_256_RATE bytes of the state. */
// @ts-ignore: decorator
@inline
function absorbBlock(statePtr: usize, blockPtr: usize): void {
  for (let offset: usize = 0; offset < SHA3_256_RATE; offset += 8) {
    store<u64>(statePtr + offset, load<u64>(statePtr + offset) ^ load<u64>(blockPtr + offset));
  }
}

/**
 * SHA3-256 of `inputPtr[0, len)` (FIPS 202 §6.1): rate 136 bytes, domain bits 01 then pad10*1,
 * which for whole bytes is 0x06 after the message and 0x80 in the last byte of the block (the
 * two merge into 0x86 when one byte is left). The 32-byte digest goes to `outPtr`, which may
 * overlap the input: it is written only after the input has been absorbed. The sponge is wiped
 * afterwards: a hash input may be secret.
 */
export function sha3_256(inputPtr: usize, len: usize, outPtr: usize): void {
  wipe(KECCAK_STATE, KECCAK_STATE_BYTES);
  let offset: usize = 0;
  for (; offset + SHA3_256_RATE <= len; offset += SHA3_256_RATE) {
    absorbBlock(KECCAK_STATE, inputPtr + offset);
    keccakF1600(KECCAK_STATE);
  }
  const remaining = len - offset;
  wipe(KECCAK_LAST_BLOCK, SHA3_256_RATE);
  memory.copy(KECCAK_LAST_BLOCK, inputPtr + offset, remaining);
  const lastBytePtr = KECCAK_LAST_BLOCK + SHA3_256_RATE - 1;
  store<u8>(KECCAK_LAST_BLOCK + remaining, 0x06);
  store<u8>(lastBytePtr, load<u8>(lastBytePtr) | 0x80);
  absorbBlock(KECCAK_STATE, KECCAK_LAST_BLOCK);
  keccakF1600(KECCAK_STATE);
  memory.copy(outPtr, KECCAK_STATE, 32);
  wipe(KECCAK_STATE, KECCAK_STATE_BYTES + SHA3_256_RATE);
}

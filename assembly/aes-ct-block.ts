/**
 * Constant-time AES encryption of one block in one v128, for what cannot fill the eight bitsliced
 * lanes of aes-ct.ts: a CMAC chain is serial, and eight lanes for one block would cost eight
 * blocks' time. The state stays in the tower field GF((2^4)^2) from the first round key to the
 * last (build/gen-aes-tower-tables.ts derives the basis and the tables), where the S-box is five
 * GF(16) inversions and two output tables, each an `i8x16.swizzle` of a 16-entry table held in a
 * register: a swizzle permutes register lanes, it reads no memory, so its index may be secret.
 * ShiftRows and MixColumns are byte permutations (aes-shuffles.ts) and XORs; MixColumns reads
 * 2·S(x) from tables of its own, since doubling is not a byte operation in the tower basis.
 *
 * Round keys: the Nr + 1 round keys of FIPS 197, 16 bytes each, turned into the tower basis by
 * `towerRoundKeys`; round keys 1..Nr also carry the S-box's constant 0x63 (aes-ct.ts's header
 * says why that holds), so the tables leave it out. `roundKeysPtr` below is such a schedule.
 * A CBC-MAC chain value stays in the tower between blocks (`ctCbcMac`, `ctKeystreamAndChain`):
 * each message block moves into the tower beside the chain, not on its path.
 */

import { rotate1, shiftRows, shiftRowsRotate1, shiftRowsRotate3 } from "./aes-shuffles";
import {
  A_OVER,
  INVERSE,
  SBOX2_IO,
  SBOX2_JO,
  SBOX_IO,
  SBOX_JO,
  TOWER_IN_HIGH,
  TOWER_IN_LOW,
  TOWER_OUT_HIGH,
  TOWER_OUT_LOW,
} from "./aes-tower-tables";

/** The 16 bytes of an AES-basis value in the tower basis. */
// @ts-ignore: decorator
@inline
function toTower(v: v128): v128 {
  return v128.xor(i8x16.swizzle(TOWER_IN_LOW, v128.and(v, i8x16.splat(0x0f))), i8x16.swizzle(TOWER_IN_HIGH, i8x16.shr_u(v, 4)));
}

/** The 16 bytes of a tower-basis value in the AES basis. */
// @ts-ignore: decorator
@inline
function fromTower(t: v128): v128 {
  return v128.xor(i8x16.swizzle(TOWER_OUT_LOW, v128.and(t, i8x16.splat(0x0f))), i8x16.swizzle(TOWER_OUT_HIGH, i8x16.shr_u(t, 4)));
}

/**
 * io = j + 1/(1/i + a/k) of each byte i·y + k, j = i + k (see the generator); with i and j
 * exchanged, jo = i + 1/(1/j + a/k). The inverse of the byte is a table of io plus one of jo.
 */
// @ts-ignore: decorator
@inline
function inverseIo(i: v128, j: v128, aOverK: v128): v128 {
  return v128.xor(i8x16.swizzle(INVERSE, v128.xor(i8x16.swizzle(INVERSE, i), aOverK)), j);
}

/**
 * One round in the tower: SubBytes, ShiftRows, MixColumns unless `last`, AddRoundKey. Inlined
 * with a constant `last`, so each call site keeps only its own branch.
 */
// @ts-ignore: decorator
@inline
function round(s: v128, roundKeyPtr: usize, last: bool): v128 {
  const i = i8x16.shr_u(s, 4);
  const k = v128.and(s, i8x16.splat(0x0f));
  const j = v128.xor(i, k);
  const aOverK = i8x16.swizzle(A_OVER, k);
  const io = inverseIo(i, j, aOverK);
  const jo = inverseIo(j, i, aOverK);
  const a = v128.xor(i8x16.swizzle(SBOX_IO, io), i8x16.swizzle(SBOX_JO, jo));
  if (last) return v128.xor(shiftRows(a), v128.load(roundKeyPtr));
  const twiceA = v128.xor(i8x16.swizzle(SBOX2_IO, io), i8x16.swizzle(SBOX2_JO, jo));
  // With b = ShiftRows(S) and rot the column rotation, MixColumns is 2b ⊕ 3·rot b ⊕ rot² b ⊕ rot³ b
  // = u ⊕ rot u ⊕ rot³ b for u = 2b ⊕ rot b: four shuffles, ShiftRows folded into three.
  const u = v128.xor(shiftRows(twiceA), shiftRowsRotate1(a));
  return v128.xor(v128.xor(u, rotate1(u)), v128.xor(shiftRowsRotate3(a), v128.load(roundKeyPtr)));
}

/** The tower-basis block `t` encrypted under the schedule at `roundKeysPtr`, in the tower. */
// @ts-ignore: decorator
@inline
function encryptInTower(roundKeysPtr: usize, rounds: u32, t: v128): v128 {
  let s = v128.xor(t, v128.load(roundKeysPtr));
  const lastKeyPtr = roundKeysPtr + (<usize>rounds << 4);
  for (let keyPtr = roundKeysPtr + 16; keyPtr < lastKeyPtr; keyPtr += 16) s = round(s, keyPtr, false);
  return round(s, lastKeyPtr, true);
}

/**
 * Turns the Nr + 1 FIPS 197 round keys at `roundKeysPtr` into this file's schedule, in place:
 * the tower basis, with 0x63 in every byte of round keys 1..Nr.
 */
export function towerRoundKeys(roundKeysPtr: usize, rounds: u32): void {
  const sboxConstant = toTower(i8x16.splat(0x63));
  v128.store(roundKeysPtr, toTower(v128.load(roundKeysPtr)));
  for (let round: u32 = 1; round <= rounds; round++) {
    const keyPtr = roundKeysPtr + (<usize>round << 4);
    v128.store(keyPtr, v128.xor(toTower(v128.load(keyPtr)), sboxConstant));
  }
}

/** The block at `blockPtr` encrypted in place. */
export function ctEncryptBlock(roundKeysPtr: usize, rounds: u32, blockPtr: usize): void {
  v128.store(blockPtr, fromTower(encryptInTower(roundKeysPtr, rounds, toTower(v128.load(blockPtr)))));
}

/**
 * CBC-MAC steps X = E(X ⊕ M_i) (RFC 4493 §2.4 step 6) over `blocks` whole blocks at `dataPtr`,
 * X at `statePtr` (in the AES basis before and after), kept in a register from block to block.
 */
export function ctCbcMac(roundKeysPtr: usize, rounds: u32, statePtr: usize, dataPtr: usize, blocks: usize): void {
  let x = toTower(v128.load(statePtr));
  for (let i: usize = 0; i < blocks; i++) x = encryptInTower(roundKeysPtr, rounds, v128.xor(x, toTower(v128.load(dataPtr + (i << 4)))));
  v128.store(statePtr, fromTower(x));
}

/** The chain value at `chainPtr` moved into the tower (`into`) or out of it, in place. */
export function ctChainBasis(chainPtr: usize, into: bool): void {
  const x = v128.load(chainPtr);
  v128.store(chainPtr, into ? toTower(x) : fromTower(x));
}

/**
 * Two independent encryptions, their rounds interleaved (each round of one waits on its previous
 * round; the other fills the wait): the counter block at `counterPtr` becomes its keystream in
 * place under `counterKeysPtr`, and the chain value at `chainPtr`, in the tower, takes one CBC-MAC
 * step X = E(X ⊕ M) with the block M at `messagePtr` under `chainKeysPtr`.
 */
export function ctKeystreamAndChain(
  counterKeysPtr: usize,
  counterPtr: usize,
  chainKeysPtr: usize,
  chainPtr: usize,
  messagePtr: usize,
  rounds: u32,
): void {
  let a = v128.xor(toTower(v128.load(counterPtr)), v128.load(counterKeysPtr));
  let b = v128.xor(v128.xor(v128.load(chainPtr), toTower(v128.load(messagePtr))), v128.load(chainKeysPtr));
  const last: usize = <usize>rounds << 4;
  for (let offset: usize = 16; offset < last; offset += 16) {
    a = round(a, counterKeysPtr + offset, false);
    b = round(b, chainKeysPtr + offset, false);
  }
  v128.store(counterPtr, fromTower(round(a, counterKeysPtr + last, true)));
  v128.store(chainPtr, round(b, chainKeysPtr + last, true));
}

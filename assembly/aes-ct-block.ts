/**
 * Constant-time AES encryption of one block in one v128, for what cannot fill the eight bitsliced
 * lanes of aes-ct.ts: a CMAC chain is serial, and eight lanes for one block would cost eight
 * blocks' time. The state stays in the tower field GF((2^4)^2) from the first round key to the
 * last (build/gen-aes-tower-tables.ts derives the basis and the tables), where the S-box is five
 * GF(16) inversions and two output tables, each an `i8x16.swizzle` of a 16-entry table held in a
 * register: a swizzle permutes register lanes, it reads no memory, so its index may be secret.
 * MixColumns is byte permutations (aes-shuffles.ts, which also says how ShiftRows is left out of
 * the rounds) and XORs; it reads 2·S(x) and 3·S(x) from tables of their own, since doubling is
 * not a byte operation in the tower basis.
 *
 * Round keys: the Nr + 1 round keys of FIPS 197, 16 bytes each, turned into the tower basis by
 * `towerRoundKeys`; round keys 1..Nr also carry the S-box's constant 0x63 (aes-ct.ts's header
 * says why that holds), so the tables leave it out, and round keys 1..Nr − 1 sit where the
 * rounds keep the state. `roundKeysPtr` below is such a schedule.
 * A CBC-MAC chain value stays in the tower between blocks (`ctCbcMac`, `ctKeystreamAndChain`):
 * each message block moves into the tower beside the chain, not on its path.
 */

import { rotate1InRound, rotate2InRound, rotate3InRound, roundKeyPlacement, shiftRowsPower } from "./aes-shuffles";
import {
  A_OVER,
  INVERSE,
  SBOX2_IO,
  SBOX2_JO,
  SBOX3_IO,
  SBOX3_JO,
  SBOX_IO,
  SBOX_JO,
  TOWER_IN_HIGH,
  TOWER_IN_LOW,
  TOWER_OUT_HIGH,
  TOWER_OUT_LOW,
} from "./aes-tower-tables";

/**
 * SBOX2_IO, SBOX2_JO, SBOX3_IO and SBOX3_JO in memory: held in registers with the other tables,
 * they are too many for V8's sixteen, which then rebuilds them from immediates in every round
 * of a CBC-MAC chain (four instructions each) where a load is one.
 */
// @ts-ignore: decorator
@lazy const MULTIPLE_TABLES = memory.data<v128>([SBOX2_IO, SBOX2_JO, SBOX3_IO, SBOX3_JO], 16);

/** The low nibble of each byte. */
// @ts-ignore: decorator
@inline
function lowNibbles(v: v128): v128 {
  return v128.and(v, i8x16.splat(0x0f));
}

/**
 * The high nibble of each byte. Not `i8x16.shr_u`, which V8 lowers to a 16-bit shift and a mask
 * it rebuilds from an immediate at every use: this mask is lowNibbles' one, held in a register.
 */
// @ts-ignore: decorator
@inline
function highNibbles(v: v128): v128 {
  return lowNibbles(i16x8.shr_u(v, 4));
}

/** The 16 bytes of an AES-basis value in the tower basis. */
// @ts-ignore: decorator
@inline
function toTower(v: v128): v128 {
  return v128.xor(i8x16.swizzle(TOWER_IN_LOW, lowNibbles(v)), i8x16.swizzle(TOWER_IN_HIGH, highNibbles(v)));
}

/** The 16 bytes of a tower-basis value in the AES basis. */
// @ts-ignore: decorator
@inline
function fromTower(t: v128): v128 {
  return v128.xor(i8x16.swizzle(TOWER_OUT_LOW, lowNibbles(t)), i8x16.swizzle(TOWER_OUT_HIGH, highNibbles(t)));
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
 * Round `round` in the tower: SubBytes, MixColumns unless `last`, AddRoundKey, with ShiftRows
 * left out as aes-shuffles.ts says (the last round puts the state back). Inlined with a constant
 * `last`, so each call site keeps only its own branch.
 */
// @ts-ignore: decorator
@inline
function round(s: v128, roundKeyPtr: usize, round: u32, last: bool): v128 {
  const i = highNibbles(s);
  const k = lowNibbles(s);
  const j = v128.xor(i, k);
  const aOverK = i8x16.swizzle(A_OVER, k);
  const io = inverseIo(i, j, aOverK);
  const jo = inverseIo(j, i, aOverK);
  const a = v128.xor(i8x16.swizzle(SBOX_IO, io), i8x16.swizzle(SBOX_JO, jo));
  if (last) return v128.xor(i8x16.swizzle(a, shiftRowsPower(round)), v128.load(roundKeyPtr));
  const twiceA = v128.xor(i8x16.swizzle(v128.load(MULTIPLE_TABLES), io), i8x16.swizzle(v128.load(MULTIPLE_TABLES, 16), jo));
  const thriceA = v128.xor(i8x16.swizzle(v128.load(MULTIPLE_TABLES, 32), io), i8x16.swizzle(v128.load(MULTIPLE_TABLES, 48), jo));
  // MixColumns, 2a ⊕ rot 3a ⊕ rot² a ⊕ rot³ a with rot the column rotation (of this round), as
  // four terms that are ready together: every operation of a round waits on the one before it
  // (two cycles each on some cores), and 3a from tables of its own keeps two of them off that
  // path, where u ⊕ rot u ⊕ rot³ a for u = 2a ⊕ rot a needs no 3a tables but chains five.
  const mixed = v128.xor(v128.xor(twiceA, v128.load(roundKeyPtr)), i8x16.swizzle(thriceA, rotate1InRound(round)));
  return v128.xor(mixed, v128.xor(i8x16.swizzle(a, rotate2InRound(round)), i8x16.swizzle(a, rotate3InRound(round))));
}

/** The tower-basis block `t` encrypted under the schedule at `roundKeysPtr`, in the tower. */
// @ts-ignore: decorator
@inline
function encryptInTower(roundKeysPtr: usize, rounds: u32, t: v128): v128 {
  let s = v128.xor(t, v128.load(roundKeysPtr));
  for (let r: u32 = 1; r < rounds; r++) s = round(s, roundKeysPtr + (<usize>r << 4), r, false);
  return round(s, roundKeysPtr + (<usize>rounds << 4), rounds, true);
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
    const placed = i8x16.swizzle(v128.load(keyPtr), roundKeyPlacement(round, rounds));
    v128.store(keyPtr, v128.xor(toTower(placed), sboxConstant));
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
  for (let r: u32 = 1; r < rounds; r++) {
    const offset = <usize>r << 4;
    a = round(a, counterKeysPtr + offset, r, false);
    b = round(b, chainKeysPtr + offset, r, false);
  }
  const last = <usize>rounds << 4;
  v128.store(counterPtr, fromTower(round(a, counterKeysPtr + last, rounds, true)));
  v128.store(chainPtr, round(b, chainKeysPtr + last, rounds, true));
}

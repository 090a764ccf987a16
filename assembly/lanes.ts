/**
 * The constant-time core's modes: CTR (SP 800-38A §6.5) with the lanes of aes-ct.ts full of
 * counter blocks, and CMAC (RFC 4493) and S2V (RFC 5297 §2.4), whose chains are serial, on its
 * one-block rounds. siv.ts builds AES-SIV from these; batch.ts runs sixteen messages in sixteen
 * lanes, with the lanes' state and bookkeeping laid out here (memory.ts, CT_SCRATCH).
 */

import { CT_LANES, CT_LANES_BYTES, ctBlockRoundKeys, ctEncryptLanes, ctEncryptLaneSets } from "./aes-ct";
import { ctCbcMac, ctChainBasis, ctEncryptBlock, ctKeystreamAndChain } from "./aes-ct-block";
import { bigEndianBytes32, copy16, loadBe32, loadBe64, storeBe64, wipe, xor16 } from "./bytes";
import { cmacLastInput, cmacLeadingBlocks, dbl, s2vTailBlocks, s2vUnchangedBlocks } from "./cmac";
import { LANE_BLOCKS, LANE_CONTROL, LANE_CONTROL_BYTES, LANE_STATES, LANE_STATE_BYTES } from "./memory";

/** LANE_STATES fields (memory.ts). */
export const LANE_X: usize = 0;
export const LANE_D: usize = 16;
export const LANE_SUBKEYS: usize = 32;
export const LANE_TAIL: usize = 64;
export const LANE_ZERO_DOUBLED: usize = 96;

/** The 128-byte state of `lane`. */
// @ts-ignore: decorator
@inline
export function laneState(lane: u32): usize {
  return LANE_STATES + <usize>lane * LANE_STATE_BYTES;
}

/** The 64 bytes of u32 control fields of `lane`. */
// @ts-ignore: decorator
@inline
export function laneControl(lane: u32): usize {
  return LANE_CONTROL + <usize>lane * LANE_CONTROL_BYTES;
}

/** Lane `lane`'s block in LANE_BLOCKS. */
// @ts-ignore: decorator
@inline
export function laneBlock(lane: u32): usize {
  return LANE_BLOCKS + (<usize>lane << 4);
}

/** `dataPtr[0, len)` ^= `keystreamPtr[0, len)`, eight bytes at a time while it can. */
export function xorBytes(dataPtr: usize, keystreamPtr: usize, len: usize): void {
  let i: usize = 0;
  for (; i + 8 <= len; i += 8) store<u64>(dataPtr + i, load<u64>(dataPtr + i) ^ load<u64>(keystreamPtr + i));
  for (; i < len; i++) store<u8>(dataPtr + i, load<u8>(dataPtr + i) ^ load<u8>(keystreamPtr + i));
}

/**
 * CTR (SP 800-38A §6.5): XORs `dataPtr[0, len)` in place with E(iv), E(iv + 1), … where the whole
 * 16-byte block at `ivPtr` is one big-endian counter, wrapping modulo 2^128; sixteen counter
 * blocks per call of the core (two sets of lanes) while more than eight are left, else eight,
 * every lane under the schedule at `schedulePtr`.
 */
export function ctCtr(schedulePtr: usize, rounds: u32, ivPtr: usize, dataPtr: usize, len: usize): void {
  let high = loadBe64(ivPtr);
  let low = loadBe64(ivPtr + 8);
  for (let offset: usize = 0; offset < len; ) {
    const both = len - offset > CT_LANES_BYTES;
    const lanes: u32 = both ? 2 * CT_LANES : CT_LANES;
    for (let lane: u32 = 0; lane < lanes; lane++) {
      storeBe64(laneBlock(lane), high);
      storeBe64(laneBlock(lane) + 8, low);
      low += 1;
      high += <u64>(low == 0);
    }
    if (both) {
      ctEncryptLaneSets(schedulePtr, schedulePtr, rounds, LANE_BLOCKS);
    } else {
      ctEncryptLanes(schedulePtr, rounds, LANE_BLOCKS);
    }
    const callBytes = <usize>lanes << 4;
    const chunk = len - offset < callBytes ? len - offset : callBytes;
    xorBytes(dataPtr + offset, LANE_BLOCKS, chunk);
    offset += chunk;
  }
}

/**
 * CMAC's chain (RFC 4493 §2.4) of `msgPtr[0, len)` up to its last step, on the one-block round
 * keys at `roundKeysPtr`: X after the leading blocks at `chainPtr` (in the AES basis), the last,
 * masked block at `lastBlockPtr`. The tag is then E(X ⊕ that block).
 */
function ctCmacUpToLastStep(
  roundKeysPtr: usize,
  rounds: u32,
  subkeysPtr: usize,
  msgPtr: usize,
  len: usize,
  lastBlockPtr: usize,
  chainPtr: usize,
): void {
  const leadingBlocks = cmacLeadingBlocks(len);
  const lastOffset = leadingBlocks << 4;
  wipe(chainPtr, 16);
  ctCbcMac(roundKeysPtr, rounds, chainPtr, msgPtr, leadingBlocks);
  cmacLastInput(subkeysPtr, msgPtr + lastOffset, len - lastOffset, lastBlockPtr);
}

/**
 * AES-CMAC (RFC 4493 §2.4) of `msgPtr[0, len)` under the schedule at `schedulePtr` and the
 * subkeys K1 ‖ K2 at `subkeysPtr`, one block at a time; the tag is written at `outPtr`, and the
 * last, masked block passes through `lastBlockPtr` (16 bytes of scratch).
 */
export function ctCmac(
  schedulePtr: usize,
  rounds: u32,
  subkeysPtr: usize,
  msgPtr: usize,
  len: usize,
  lastBlockPtr: usize,
  outPtr: usize,
): void {
  const roundKeysPtr = ctBlockRoundKeys(schedulePtr, rounds);
  ctCmacUpToLastStep(roundKeysPtr, rounds, subkeysPtr, msgPtr, len, lastBlockPtr, outPtr);
  ctCbcMac(roundKeysPtr, rounds, outPtr, lastBlockPtr, 1);
}

/**
 * S2V's associated data (RFC 5297 §2.4, the loop over S1 … Sn−1) under a schedule of the
 * constant-time core with subkeys K1 ‖ K2 at `subkeysPtr`: D, from CMAC(K, 0^128) at
 * `zeroMacPtr`, left at lane 0's D. Lane 0's X and tail are the scratch.
 *
 * With `deferLastStep` (and at least one string), the last string's last CBC-MAC step is left
 * pending, for the caller to interleave with an encryption of its own (`ctDecryptAndMac`): its X
 * at lane 0's X, its masked block at lane 0's tail; `ctS2VAbsorb` then ends D.
 */
export function ctS2VAssociatedData(
  schedulePtr: usize,
  rounds: u32,
  subkeysPtr: usize,
  zeroMacPtr: usize,
  adsPtr: usize,
  adLensPtr: usize,
  adCount: u32,
  deferLastStep: bool,
): usize {
  const state = laneState(0);
  const accumulatorPtr = state + LANE_D;
  const roundKeysPtr = ctBlockRoundKeys(schedulePtr, rounds);
  copy16(accumulatorPtr, zeroMacPtr);
  let adPtr = adsPtr;
  for (let i: u32 = 0; i < adCount; i++) {
    const adLen = <usize>load<u32>(adLensPtr + (<usize>i << 2));
    ctCmacUpToLastStep(roundKeysPtr, rounds, subkeysPtr, adPtr, adLen, state + LANE_TAIL, state + LANE_X);
    adPtr += adLen;
    if (deferLastStep && i + 1 == adCount) break;
    ctCbcMac(roundKeysPtr, rounds, state + LANE_X, state + LANE_TAIL, 1);
    ctS2VAbsorb(accumulatorPtr);
  }
  return accumulatorPtr;
}

/**
 * The associated data's pending CBC-MAC step (ctS2VAssociatedData) interleaved with the
 * encryption in place of the independent block at `blockPtr` under the one-block round keys at
 * `blockKeysPtr`; the pending CMAC is left at lane 0's X.
 */
export function ctEncryptBesidePendingStep(blockKeysPtr: usize, blockPtr: usize, cmacKeysPtr: usize, rounds: u32): void {
  const state = laneState(0);
  ctChainBasis(state + LANE_X, true);
  ctKeystreamAndChain(blockKeysPtr, blockPtr, cmacKeysPtr, state + LANE_X, state + LANE_TAIL, rounds);
  ctChainBasis(state + LANE_X, false);
}

/** D = dbl(D) ⊕ CMAC(Si) at `accumulatorPtr`, the CMAC at lane 0's X (ctS2VAssociatedData). */
export function ctS2VAbsorb(accumulatorPtr: usize): void {
  dbl(accumulatorPtr);
  xor16(accumulatorPtr, laneState(0) + LANE_X);
}

/**
 * Ends S2V on the last string `lastPtr[0, lastLen)` once X at `statePtr` has absorbed its
 * `s2vUnchangedBlocks(lastLen)` leading blocks: V is left at `statePtr`. D at `accumulatorPtr` is
 * consumed; lane 0's tail is the scratch.
 */
export function ctS2VFinish(
  schedulePtr: usize,
  rounds: u32,
  subkeysPtr: usize,
  accumulatorPtr: usize,
  lastPtr: usize,
  lastLen: usize,
  statePtr: usize,
): void {
  const tailPtr = laneState(0) + LANE_TAIL;
  const tailBlocks = s2vTailBlocks(subkeysPtr, accumulatorPtr, lastPtr, lastLen, tailPtr);
  ctCbcMac(ctBlockRoundKeys(schedulePtr, rounds), rounds, statePtr, tailPtr, tailBlocks);
}

/**
 * AES-SIV open's CTR and the CMAC chain of its plaintext fused (RFC 5297 §2.7), as the table core
 * does it: block i is decrypted while the already decrypted block i − 1 is MACed, the two on the
 * one-block rounds interleaved (ctKeystreamAndChain). `dataPtr[0, len)` is decrypted in place
 * under the CTR schedule with the counter at `counterPtr` (Q: only its last 32-bit word counts,
 * and it does not wrap, §2.5), and X at `statePtr` absorbs the `s2vUnchangedBlocks(len)` leading
 * blocks under the CMAC schedule; X stays in the one-block rounds' basis until the last block.
 * Block 0, which has no MAC step beside it, takes the associated data's pending step instead
 * when `adStepPending` (ctS2VAssociatedData; len > 0). LANE_BLOCKS' first block is the scratch.
 */
export function ctDecryptAndMac(
  ctrSchedulePtr: usize,
  cmacSchedulePtr: usize,
  rounds: u32,
  counterPtr: usize,
  dataPtr: usize,
  len: usize,
  statePtr: usize,
  adStepPending: bool,
): void {
  const ctrKeysPtr = ctBlockRoundKeys(ctrSchedulePtr, rounds);
  const cmacKeysPtr = ctBlockRoundKeys(cmacSchedulePtr, rounds);
  const keystreamPtr = laneBlock(0);
  const macBlocks = s2vUnchangedBlocks(len);
  const counterWord = loadBe32(counterPtr + 12);
  ctChainBasis(statePtr, true);
  for (let offset: usize = 0; offset < len; offset += 16) {
    const block = <u32>(offset >> 4);
    copy16(keystreamPtr, counterPtr);
    store<u32>(keystreamPtr, bigEndianBytes32(counterWord + block), 12);
    if (block >= 1 && block - 1 < <u32>macBlocks) {
      ctKeystreamAndChain(ctrKeysPtr, keystreamPtr, cmacKeysPtr, statePtr, dataPtr + offset - 16, rounds);
    } else if (block == 0 && adStepPending) {
      ctEncryptBesidePendingStep(ctrKeysPtr, keystreamPtr, cmacKeysPtr, rounds);
    } else {
      ctEncryptBlock(ctrKeysPtr, rounds, keystreamPtr);
    }
    xorBytes(dataPtr + offset, keystreamPtr, len - offset < 16 ? len - offset : 16);
  }
  ctChainBasis(statePtr, false);
}

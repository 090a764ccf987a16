/**
 * The constant-time core's modes over the eight lanes of aes-ct.ts: CTR (SP 800-38A §6.5) with
 * the lanes full of counter blocks, CMAC chains (RFC 4493) side by side, and S2V (RFC 5297 §2.4)
 * with the associated data's CMACs and the last string's chain in separate lanes. siv.ts builds
 * AES-SIV from these; batch.ts runs eight messages in the eight lanes.
 *
 * A CMAC chain is serial, so one message's S2V keeps only a few lanes busy; everything here
 * assumes the lanes' blocks may be anything when a lane has no work, and never reads them back.
 */

import { CT_LANES, CT_LANES_BYTES, ctEncryptLanes } from "./aes-ct";
import { copy16, loadBe64, storeBe64, wipe, xor16 } from "./bytes";
import { cmacLastInput, cmacLeadingBlocks, dbl, s2vTailBlocks, s2vUnchangedBlocks } from "./cmac";
import { LANE_BLOCKS, LANE_CONTROL, LANE_CONTROL_BYTES, LANE_STATES, LANE_STATE_BYTES } from "./memory";

/** LANE_STATES fields (memory.ts). */
export const LANE_X: usize = 0;
export const LANE_D: usize = 16;
export const LANE_SUBKEYS: usize = 32;
export const LANE_TAIL: usize = 64;
export const LANE_ZERO_DOUBLED: usize = 96;

/** LANE_CONTROL fields of a chain (u32). */
const CHAIN_DATA: usize = 0;
const CHAIN_DATA_BLOCKS: usize = 4;
const CHAIN_TAIL_BLOCKS: usize = 8;

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
 * 16-byte block at `ivPtr` is one big-endian counter, wrapping modulo 2^128; eight counter blocks
 * per call of the core, every lane under the schedule at `schedulePtr`.
 */
export function ctCtr(schedulePtr: usize, rounds: u32, ivPtr: usize, dataPtr: usize, len: usize): void {
  let high = loadBe64(ivPtr);
  let low = loadBe64(ivPtr + 8);
  for (let offset: usize = 0; offset < len; offset += CT_LANES_BYTES) {
    for (let lane: u32 = 0; lane < CT_LANES; lane++) {
      storeBe64(laneBlock(lane), high);
      storeBe64(laneBlock(lane) + 8, low);
      low += 1;
      high += <u64>(low == 0);
    }
    ctEncryptLanes(schedulePtr, rounds, LANE_BLOCKS);
    const chunk = len - offset < CT_LANES_BYTES ? len - offset : CT_LANES_BYTES;
    xorBytes(dataPtr + offset, LANE_BLOCKS, chunk);
  }
}

/**
 * Sets lane `lane`'s chain: its X absorbs `dataBlocks` whole blocks at `dataPtr`, then
 * `tailBlocks` blocks at its LANE_TAIL. X itself is left as it is.
 */
export function setChain(lane: u32, dataPtr: usize, dataBlocks: usize, tailBlocks: usize): void {
  const control = laneControl(lane);
  store<u32>(control + CHAIN_DATA, <u32>dataPtr);
  store<u32>(control + CHAIN_DATA_BLOCKS, <u32>dataBlocks);
  store<u32>(control + CHAIN_TAIL_BLOCKS, <u32>tailBlocks);
}

/** Runs every lane's chain to its end, X = E(X ⊕ M_i) (RFC 4493 §2.4 step 6), side by side. */
export function runChains(schedulePtr: usize, rounds: u32): void {
  let steps: u32 = 0;
  for (let lane: u32 = 0; lane < CT_LANES; lane++) {
    const control = laneControl(lane);
    const total = load<u32>(control + CHAIN_DATA_BLOCKS) + load<u32>(control + CHAIN_TAIL_BLOCKS);
    if (total > steps) steps = total;
  }
  for (let step: u32 = 0; step < steps; step++) {
    for (let lane: u32 = 0; lane < CT_LANES; lane++) {
      const control = laneControl(lane);
      const dataBlocks = load<u32>(control + CHAIN_DATA_BLOCKS);
      if (step >= dataBlocks + load<u32>(control + CHAIN_TAIL_BLOCKS)) continue;
      const source =
        step < dataBlocks
          ? <usize>load<u32>(control + CHAIN_DATA) + (<usize>step << 4)
          : laneState(lane) + LANE_TAIL + (<usize>(step - dataBlocks) << 4);
      copy16(laneBlock(lane), laneState(lane) + LANE_X);
      xor16(laneBlock(lane), source);
    }
    ctEncryptLanes(schedulePtr, rounds, LANE_BLOCKS);
    for (let lane: u32 = 0; lane < CT_LANES; lane++) {
      const control = laneControl(lane);
      if (step >= load<u32>(control + CHAIN_DATA_BLOCKS) + load<u32>(control + CHAIN_TAIL_BLOCKS)) continue;
      copy16(laneState(lane) + LANE_X, laneBlock(lane));
    }
  }
}

/** Lane `lane`'s chain set to the whole CMAC of `msgPtr[0, len)` (RFC 4493 §2.4), X zeroed. */
export function setCmacChain(lane: u32, subkeysPtr: usize, msgPtr: usize, len: usize): void {
  const leadingBlocks = cmacLeadingBlocks(len);
  const lastOffset = leadingBlocks << 4;
  wipe(laneState(lane) + LANE_X, 16);
  cmacLastInput(subkeysPtr, msgPtr + lastOffset, len - lastOffset, laneState(lane) + LANE_TAIL);
  setChain(lane, msgPtr, leadingBlocks, 1);
}

/** The lane of S2V's last string; the associated data take the seven others in turn. */
const LAST_STRING_LANE: u32 = CT_LANES - 1;

/**
 * S2V (RFC 5297 §2.4) of the `adCount` strings at `adsPtr` (lengths at `adLensPtr`) and the last
 * string `lastPtr[0, lastLen)`, under a bitsliced CMAC schedule with subkeys K1 ‖ K2 at
 * `subkeysPtr` and CMAC(K, 0^128) at `zeroMacPtr`. The CMACs of up to seven associated-data
 * strings run beside the chain of the last string's leading blocks, which D does not touch; D
 * then ends that chain. V is written at `outPtr`.
 */
export function ctS2V(
  schedulePtr: usize,
  rounds: u32,
  subkeysPtr: usize,
  zeroMacPtr: usize,
  adsPtr: usize,
  adLensPtr: usize,
  adCount: u32,
  lastPtr: usize,
  lastLen: usize,
  outPtr: usize,
): void {
  const lastState = laneState(LAST_STRING_LANE);
  const accumulatorPtr = lastState + LANE_D;
  copy16(accumulatorPtr, zeroMacPtr);
  wipe(lastState + LANE_X, 16);
  setChain(LAST_STRING_LANE, lastPtr, s2vUnchangedBlocks(lastLen), 0);
  let adIndex: u32 = 0;
  let adPtr = adsPtr;
  do {
    const group = adCount - adIndex < LAST_STRING_LANE ? adCount - adIndex : LAST_STRING_LANE;
    for (let lane: u32 = 0; lane < LAST_STRING_LANE; lane++) {
      if (lane < group) {
        const adLen = <usize>load<u32>(adLensPtr + (<usize>(adIndex + lane) << 2));
        setCmacChain(lane, subkeysPtr, adPtr, adLen);
        adPtr += adLen;
      } else {
        setChain(lane, 0, 0, 0);
      }
    }
    runChains(schedulePtr, rounds);
    for (let lane: u32 = 0; lane < group; lane++) {
      dbl(accumulatorPtr);
      xor16(accumulatorPtr, laneState(lane) + LANE_X);
    }
    adIndex += group;
    setChain(LAST_STRING_LANE, 0, 0, 0);
  } while (adIndex < adCount);
  for (let lane: u32 = 0; lane < LAST_STRING_LANE; lane++) setChain(lane, 0, 0, 0);
  const tailBlocks = s2vTailBlocks(subkeysPtr, accumulatorPtr, lastPtr, lastLen, lastState + LANE_TAIL);
  setChain(LAST_STRING_LANE, 0, 0, tailBlocks);
  runChains(schedulePtr, rounds);
  copy16(outPtr, lastState + LANE_X);
}

/** AES-CMAC (RFC 4493) of `msgPtr[0, len)` in lane 0, tag written at `outPtr`. */
export function ctCmac(schedulePtr: usize, rounds: u32, subkeysPtr: usize, msgPtr: usize, len: usize, outPtr: usize): void {
  for (let lane: u32 = 1; lane < CT_LANES; lane++) setChain(lane, 0, 0, 0);
  setCmacChain(0, subkeysPtr, msgPtr, len);
  runChains(schedulePtr, rounds);
  copy16(outPtr, laneState(0) + LANE_X);
}

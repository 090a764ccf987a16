/**
 * AES-CMAC (RFC 4493) and the S2V construction built on it (RFC 5297 §2.4).
 *
 * A CMAC key is passed as its expanded AES schedule, its round count and a pointer to its
 * subkeys K1 ‖ K2 (32 bytes, RFC 4493 §2.3). The chaining value X lives in a 16-byte block the
 * caller owns and wipes.
 */

import { copy16, loadBe64, storeBe64, wipe, xor16 } from "./bytes";
import { encryptBlock, encryptColumns, encryptColumns256 } from "./aes";
import { encryptBlockOfCore } from "./aes-core";
import { TAIL_BLOCKS } from "./memory";

/**
 * Doubling in GF(2^128) modulo x^128 + x^7 + x^2 + x + 1 (RFC 5297 §2.3), in place on a
 * big-endian 128-bit block. The carried-out bit is secret (it is a bit of a CMAC value), so the
 * reduction constant is selected with a mask, never a branch.
 */
export function dbl(blockPtr: usize): void {
  const high = loadBe64(blockPtr);
  const low = loadBe64(blockPtr + 8);
  const reduction = (0 - (high >> 63)) & 0x87;
  storeBe64(blockPtr, (high << 1) | (low >> 63));
  storeBe64(blockPtr + 8, (low << 1) ^ reduction);
}

/**
 * K1 = dbl(E(0)), K2 = dbl(K1) (RFC 4493 §2.3), written as K1 ‖ K2 at `subkeysPtr`, under a
 * schedule of the core in use.
 */
export function cmacSubkeys(schedulePtr: usize, rounds: u32, subkeysPtr: usize): void {
  wipe(subkeysPtr, 16);
  encryptBlockOfCore(schedulePtr, rounds, subkeysPtr);
  dbl(subkeysPtr);
  copy16(subkeysPtr + 16, subkeysPtr);
  dbl(subkeysPtr + 16);
}

/**
 * X = E(X ⊕ M_i) for `blockCount` whole blocks at `dataPtr` (RFC 4493 §2.4 step 6). X is read
 * and written as the u32 columns the AES kernels use, so each block's load of X is forwarded
 * from the previous block's store.
 */
export function cmacBlocks(
  schedulePtr: usize,
  rounds: u32,
  statePtr: usize,
  dataPtr: usize,
  blockCount: usize,
): void {
  const endPtr = dataPtr + (blockCount << 4);
  if (rounds == 14) {
    for (let blockPtr = dataPtr; blockPtr < endPtr; blockPtr += 16) {
      encryptColumns256(
        schedulePtr,
        load<u32>(statePtr) ^ load<u32>(blockPtr),
        load<u32>(statePtr, 4) ^ load<u32>(blockPtr, 4),
        load<u32>(statePtr, 8) ^ load<u32>(blockPtr, 8),
        load<u32>(statePtr, 12) ^ load<u32>(blockPtr, 12),
        statePtr,
      );
    }
  } else {
    for (let blockPtr = dataPtr; blockPtr < endPtr; blockPtr += 16) {
      encryptColumns(
        schedulePtr,
        rounds,
        load<u32>(statePtr) ^ load<u32>(blockPtr),
        load<u32>(statePtr, 4) ^ load<u32>(blockPtr, 4),
        load<u32>(statePtr, 8) ^ load<u32>(blockPtr, 8),
        load<u32>(statePtr, 12) ^ load<u32>(blockPtr, 12),
        statePtr,
      );
    }
  }
}

/**
 * The last CMAC block (RFC 4493 §2.4 steps 4 and 7): `lastLen` (0..16) message bytes at
 * `lastPtr`, whole blocks masked with K1, short ones padded with 10* and masked with K2. The
 * padding is XORed into X directly, so no padded copy of the message is made. The tag is left in
 * X at `statePtr`.
 */
export function cmacLastBlock(
  schedulePtr: usize,
  rounds: u32,
  subkeysPtr: usize,
  statePtr: usize,
  lastPtr: usize,
  lastLen: usize,
): void {
  if (lastLen == 16) {
    xor16(statePtr, lastPtr);
    xor16(statePtr, subkeysPtr);
  } else {
    for (let i: usize = 0; i < lastLen; i++) {
      store<u8>(statePtr + i, load<u8>(statePtr + i) ^ load<u8>(lastPtr + i));
    }
    store<u8>(statePtr + lastLen, load<u8>(statePtr + lastLen) ^ 0x80);
    xor16(statePtr, subkeysPtr + 16);
  }
  encryptBlock(schedulePtr, rounds, statePtr);
}

/**
 * The last CMAC input block M_n' of RFC 4493 §2.4 (steps 4 and 7) at `outPtr`: the `lastLen`
 * (0..16) bytes at `lastPtr`, masked with K1 when whole, else padded with 10* and masked with K2.
 */
export function cmacLastInput(subkeysPtr: usize, lastPtr: usize, lastLen: usize, outPtr: usize): void {
  if (lastLen == 16) {
    copy16(outPtr, lastPtr);
    xor16(outPtr, subkeysPtr);
  } else {
    wipe(outPtr, 16);
    memory.copy(outPtr, lastPtr, lastLen);
    store<u8>(outPtr + lastLen, 0x80);
    xor16(outPtr, subkeysPtr + 16);
  }
}

/** Blocks of a CMAC message of `len` bytes that precede its last, masked block. */
// @ts-ignore: decorator
@inline
export function cmacLeadingBlocks(len: usize): usize {
  return len == 0 ? 0 : (len - 1) >> 4;
}

/** AES-CMAC of `msgPtr[0, len)` (RFC 4493 §2.4), tag left at `statePtr`. */
export function cmacMessage(
  schedulePtr: usize,
  rounds: u32,
  subkeysPtr: usize,
  statePtr: usize,
  msgPtr: usize,
  len: usize,
): void {
  // Every block but the last goes through the plain chain; the last, whole or not, is masked.
  const leadingBlocks = cmacLeadingBlocks(len);
  const lastOffset = leadingBlocks << 4;
  wipe(statePtr, 16);
  cmacBlocks(schedulePtr, rounds, statePtr, msgPtr, leadingBlocks);
  cmacLastBlock(schedulePtr, rounds, subkeysPtr, statePtr, msgPtr + lastOffset, len - lastOffset);
}

/**
 * S2V over the associated data (RFC 5297 §2.4, the loop over S1 … Sn−1): leaves D at
 * `accumulatorPtr`. `zeroMacPtr` holds CMAC(K, 0^128) followed by its double, both precomputed
 * per key; with no associated data D stays the former, otherwise the first doubling is the
 * latter and costs nothing.
 */
export function s2vAssociatedData(
  schedulePtr: usize,
  rounds: u32,
  subkeysPtr: usize,
  zeroMacPtr: usize,
  statePtr: usize,
  accumulatorPtr: usize,
  adsPtr: usize,
  adLensPtr: usize,
  adCount: u32,
): void {
  if (adCount == 0) {
    copy16(accumulatorPtr, zeroMacPtr);
    return;
  }
  copy16(accumulatorPtr, zeroMacPtr + 16);
  let adPtr = adsPtr;
  for (let i: u32 = 0; i < adCount; i++) {
    if (i > 0) dbl(accumulatorPtr);
    const adLen = <usize>load<u32>(adLensPtr + (<usize>i << 2));
    cmacMessage(schedulePtr, rounds, subkeysPtr, statePtr, adPtr, adLen);
    xor16(accumulatorPtr, statePtr);
    adPtr += adLen;
  }
}

/**
 * How many leading blocks of the last S2V string Sn enter CMAC unchanged. Only the last 16 bytes
 * of Sn are touched by D (xorend, or the dbl-and-pad of a short Sn), and CMAC's last block is
 * masked, so the final one or two blocks form the tail that `s2vFinish` handles.
 */
// @ts-ignore: decorator
@inline
export function s2vUnchangedBlocks(len: usize): usize {
  return len < 16 ? 0 : (len >> 4) - 1;
}

/**
 * The CMAC input blocks that end S2V on its last string Sn (`lastPtr[0, len)`, RFC 5297 §2.4,
 * its two final cases) with CMAC's last-block rule already applied (RFC 4493 §2.4): the chain of
 * the `s2vUnchangedBlocks(len)` leading blocks of Sn, then these, gives V. Written at `tailPtr`
 * (32 bytes); returns their count, 1 or 2. D at `accumulatorPtr` is consumed.
 */
export function s2vTailBlocks(
  subkeysPtr: usize,
  accumulatorPtr: usize,
  lastPtr: usize,
  len: usize,
  tailPtr: usize,
): usize {
  if (len >= 16) {
    // T = Sn xorend D: D lands on the last 16 bytes, which may straddle two CMAC blocks.
    const tailOffset = s2vUnchangedBlocks(len) << 4;
    const tailLen = len - tailOffset;
    wipe(tailPtr, 32);
    memory.copy(tailPtr, lastPtr + tailOffset, tailLen);
    xor16(tailPtr + tailLen - 16, accumulatorPtr);
    if (tailLen == 16) {
      xor16(tailPtr, subkeysPtr);
      return 1;
    }
    // A short second block: padded with 10* and masked with K2.
    store<u8>(tailPtr + tailLen, 0x80);
    xor16(tailPtr + 16, subkeysPtr + 16);
    return 2;
  }
  // T = dbl(D) xor pad(Sn): one whole block.
  dbl(accumulatorPtr);
  wipe(tailPtr, 16);
  memory.copy(tailPtr, lastPtr, len);
  store<u8>(tailPtr + len, 0x80);
  xor16(tailPtr, accumulatorPtr);
  xor16(tailPtr, subkeysPtr);
  return 1;
}

/**
 * Ends S2V on the last string Sn (`lastPtr[0, len)`) once its `s2vUnchangedBlocks(len)` leading
 * blocks have gone through the CMAC chain at `statePtr` (RFC 5297 §2.4). The synthetic IV V is
 * left at `statePtr`. D at `accumulatorPtr` is consumed.
 */
export function s2vFinish(
  schedulePtr: usize,
  rounds: u32,
  subkeysPtr: usize,
  statePtr: usize,
  accumulatorPtr: usize,
  lastPtr: usize,
  len: usize,
): void {
  const tailBlocks = s2vTailBlocks(subkeysPtr, accumulatorPtr, lastPtr, len, TAIL_BLOCKS);
  cmacBlocks(schedulePtr, rounds, statePtr, TAIL_BLOCKS, tailBlocks);
}

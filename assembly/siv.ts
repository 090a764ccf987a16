/**
 * AES-SIV (RFC 5297) with 256-, 384- and 512-bit SIV keys, over key material from keycache.ts:
 * the first half of the SIV key is the CMAC key of S2V, the second the CTR key (§2.6). Both AES
 * cores end here, each with the schedule of its fit:
 *
 * Table core. Sealing cannot overlap its two passes (CTR needs the tag S2V produces last), so it
 * runs S2V, then CTR two counter blocks at a time. Opening decrypts block i while MACing the
 * already decrypted block i − 1: two independent AES chains in one loop (aes.ts,
 * encryptMacAndCounter256).
 *
 * Constant-time core (aes-ct.ts, lanes.ts). S2V's CMAC chains are serial and run on the one-block
 * rounds; sealing then runs CTR sixteen (or eight) counter blocks per call of the bitsliced
 * rounds, and opening decrypts block i while MACing block i − 1, two one-block chains
 * interleaved. A batch (batch.ts) fills sixteen bitsliced lanes with sixteen messages' CTR and
 * CMAC blocks instead.
 */

import { bigEndianBytes32, copy16, equal16, loadBe32, loadBe64, storeBe64, wipe } from "./bytes";
import {
  clearCounterCache,
  ctr,
  ctr256WordCounter,
  encryptColumns,
  encryptMacAndCounter256,
  prepareCounterCache,
  xorKeystream,
} from "./aes";
import { usesConstantTimeAes } from "./aes-core";
import { cmacBlocks, s2vAssociatedData, s2vFinish, s2vUnchangedBlocks } from "./cmac";
import { ctBlockRoundKeys } from "./aes-ct";
import { ctCbcMac } from "./aes-ct-block";
import { ctCtr, ctDecryptAndMac, ctEncryptBesidePendingStep, ctS2VAbsorb, ctS2VAssociatedData, ctS2VFinish } from "./lanes";
import {
  CMAC_STATE,
  COUNTER_CACHES,
  KEYSTREAM_BLOCKS,
  S2V_ACCUMULATOR,
  SIV_COUNTER,
  SLOT_CMAC_SCHEDULE,
  SLOT_CMAC_ZERO,
  SLOT_CTR_SCHEDULE,
  SLOT_ROUNDS,
  SLOT_SAME_HALVES,
  SLOT_SUBKEYS,
} from "./memory";
import { Status } from "./status";

/**
 * Q = V with bits 63 and 31 of its last 64 bits cleared (RFC 5297 §2.5), so the 32-bit words a
 * non-carrying CTR implementation would increment cannot overflow.
 */
// @ts-ignore: decorator
@inline
export function storeCtrIv(counterPtr: usize, tagPtr: usize): void {
  store<u64>(counterPtr, load<u64>(tagPtr));
  storeBe64(counterPtr + 8, loadBe64(tagPtr + 8) & 0x7fffffff7fffffff);
}

/**
 * S2V up to the last string (RFC 5297 §2.4): D over the associated data at S2V_ACCUMULATOR, and
 * the CMAC chain of the last string reset at CMAC_STATE.
 */
function s2vStart(slotPtr: usize, adsPtr: usize, adLensPtr: usize, adCount: u32): void {
  s2vAssociatedData(
    slotPtr + SLOT_CMAC_SCHEDULE,
    load<u32>(slotPtr + SLOT_ROUNDS),
    slotPtr + SLOT_SUBKEYS,
    slotPtr + SLOT_CMAC_ZERO,
    CMAC_STATE,
    S2V_ACCUMULATOR,
    adsPtr,
    adLensPtr,
    adCount,
  );
  wipe(CMAC_STATE, 16);
}

/** The slot's CTR schedule: its CMAC one when the halves are equal (the same bytes, shared). */
// @ts-ignore: decorator
@inline
export function ctrScheduleOf(slotPtr: usize): usize {
  return load<u32>(slotPtr + SLOT_SAME_HALVES) != 0 ? slotPtr + SLOT_CMAC_SCHEDULE : slotPtr + SLOT_CTR_SCHEDULE;
}

/**
 * AES-SIV encryption (RFC 5297 §2.6): the plaintext at `tagPtr + 16` is encrypted in place and
 * V is written at `tagPtr`. The caller wipes the core's scratch.
 */
export function aesSivSeal(slotPtr: usize, adsPtr: usize, adLensPtr: usize, adCount: u32, tagPtr: usize, ptLen: usize): void {
  if (usesConstantTimeAes()) {
    ctSivSeal(slotPtr, adsPtr, adLensPtr, adCount, tagPtr, ptLen);
  } else {
    tableSivSeal(slotPtr, adsPtr, adLensPtr, adCount, tagPtr, ptLen);
  }
}

/**
 * AES-SIV decryption (RFC 5297 §2.7) of the ciphertext at `tagPtr + 16`, in place. On a tag
 * mismatch the whole plaintext region is zeroed before returning NotAuthentic, so no
 * unauthenticated byte is released. The caller wipes the core's scratch.
 */
export function aesSivOpen(slotPtr: usize, adsPtr: usize, adLensPtr: usize, adCount: u32, tagPtr: usize, ctLen: usize): Status {
  const ptPtr = tagPtr + 16;
  if (usesConstantTimeAes()) {
    ctSivOpen(slotPtr, adsPtr, adLensPtr, adCount, tagPtr, ctLen);
  } else {
    tableSivOpen(slotPtr, adsPtr, adLensPtr, adCount, tagPtr, ctLen);
  }
  if (!equal16(CMAC_STATE, tagPtr)) {
    wipe(ptPtr, ctLen);
    return Status.NotAuthentic;
  }
  return Status.Ok;
}

/** The constant-time core's seal: S2V, then CTR with every lane full. */
function ctSivSeal(slotPtr: usize, adsPtr: usize, adLensPtr: usize, adCount: u32, tagPtr: usize, ptLen: usize): void {
  const ptPtr = tagPtr + 16;
  const rounds = load<u32>(slotPtr + SLOT_ROUNDS);
  const cmacSchedulePtr = slotPtr + SLOT_CMAC_SCHEDULE;
  const subkeysPtr = slotPtr + SLOT_SUBKEYS;
  const cmacKeysPtr = ctBlockRoundKeys(cmacSchedulePtr, rounds);
  const macBlocks = s2vUnchangedBlocks(ptLen);
  // The associated data's last CBC-MAC step runs beside the plaintext's first, X = E(0 ⊕ M1):
  // the two chains are independent.
  const adStepPending = adCount > 0 && macBlocks > 0;
  const accumulatorPtr = ctS2VAssociatedData(cmacSchedulePtr, rounds, subkeysPtr, slotPtr + SLOT_CMAC_ZERO, adsPtr, adLensPtr, adCount, adStepPending);
  if (adStepPending) {
    copy16(CMAC_STATE, ptPtr);
    ctEncryptBesidePendingStep(cmacKeysPtr, CMAC_STATE, cmacKeysPtr, rounds);
    ctS2VAbsorb(accumulatorPtr);
    ctCbcMac(cmacKeysPtr, rounds, CMAC_STATE, ptPtr + 16, macBlocks - 1);
  } else {
    wipe(CMAC_STATE, 16);
    ctCbcMac(cmacKeysPtr, rounds, CMAC_STATE, ptPtr, macBlocks);
  }
  ctS2VFinish(cmacSchedulePtr, rounds, subkeysPtr, accumulatorPtr, ptPtr, ptLen, CMAC_STATE);
  copy16(tagPtr, CMAC_STATE);
  storeCtrIv(SIV_COUNTER, tagPtr);
  ctCtr(ctrScheduleOf(slotPtr), rounds, SIV_COUNTER, ptPtr, ptLen);
}

/** The constant-time core's open: CTR fused with the plaintext's CMAC chain, V left at CMAC_STATE. */
function ctSivOpen(slotPtr: usize, adsPtr: usize, adLensPtr: usize, adCount: u32, tagPtr: usize, ctLen: usize): void {
  const ptPtr = tagPtr + 16;
  const rounds = load<u32>(slotPtr + SLOT_ROUNDS);
  const cmacSchedulePtr = slotPtr + SLOT_CMAC_SCHEDULE;
  const subkeysPtr = slotPtr + SLOT_SUBKEYS;
  // The associated data's last CBC-MAC step runs beside the first counter block, which has no
  // step of the plaintext's chain to pair with.
  const adStepPending = adCount > 0 && ctLen > 0;
  const accumulatorPtr = ctS2VAssociatedData(cmacSchedulePtr, rounds, subkeysPtr, slotPtr + SLOT_CMAC_ZERO, adsPtr, adLensPtr, adCount, adStepPending);
  storeCtrIv(SIV_COUNTER, tagPtr);
  wipe(CMAC_STATE, 16);
  ctDecryptAndMac(ctrScheduleOf(slotPtr), cmacSchedulePtr, rounds, SIV_COUNTER, ptPtr, ctLen, CMAC_STATE, adStepPending);
  if (adStepPending) ctS2VAbsorb(accumulatorPtr);
  ctS2VFinish(cmacSchedulePtr, rounds, subkeysPtr, accumulatorPtr, ptPtr, ctLen, CMAC_STATE);
}

/** The table core's seal. */
function tableSivSeal(
  slotPtr: usize,
  adsPtr: usize,
  adLensPtr: usize,
  adCount: u32,
  tagPtr: usize,
  ptLen: usize,
): void {
  const ptPtr = tagPtr + 16;
  const rounds = load<u32>(slotPtr + SLOT_ROUNDS);
  const cmacSchedulePtr = slotPtr + SLOT_CMAC_SCHEDULE;
  s2vStart(slotPtr, adsPtr, adLensPtr, adCount);
  cmacBlocks(cmacSchedulePtr, rounds, CMAC_STATE, ptPtr, s2vUnchangedBlocks(ptLen));
  const subkeysPtr = slotPtr + SLOT_SUBKEYS;
  s2vFinish(cmacSchedulePtr, rounds, subkeysPtr, CMAC_STATE, S2V_ACCUMULATOR, ptPtr, ptLen);
  copy16(tagPtr, CMAC_STATE);
  storeCtrIv(SIV_COUNTER, tagPtr);
  if (rounds == 14) {
    ctr256WordCounter(slotPtr + SLOT_CTR_SCHEDULE, SIV_COUNTER, ptPtr, ptLen, COUNTER_CACHES);
  } else {
    ctr(slotPtr + SLOT_CTR_SCHEDULE, rounds, SIV_COUNTER, ptPtr, ptLen);
  }
}

/**
 * CTR decryption of `dataPtr[0, len)` in place under a 14-round schedule, fused with the CMAC
 * chain at CMAC_STATE over the `s2vUnchangedBlocks(len)` leading plaintext blocks. Iteration i
 * decrypts block i and MACs block i − 1, which the previous iteration produced.
 *
 * Only the last 32-bit word of the counter changes: Q has bit 31 cleared (RFC 5297 §2.5), so
 * that word counts from below 2^31 and a message of at most MAX_IO_BYTES (2^22 blocks) cannot
 * carry out of it. The first three counter columns are the bytes of Q as they are.
 */
function decryptAndMac256(
  ctrSchedulePtr: usize,
  cmacSchedulePtr: usize,
  dataPtr: usize,
  len: usize,
): void {
  const counter0 = load<u32>(SIV_COUNTER);
  const counter1 = load<u32>(SIV_COUNTER, 4);
  const counter2 = load<u32>(SIV_COUNTER, 8);
  let counterWord = loadBe32(SIV_COUNTER + 12);
  const wholeLen = len & ~(<usize>15);
  if (wholeLen > 0) {
    const counter3 = bigEndianBytes32(counterWord);
    encryptColumns(ctrSchedulePtr, 14, counter0, counter1, counter2, counter3, KEYSTREAM_BLOCKS);
    xorKeystream(dataPtr, KEYSTREAM_BLOCKS);
    clearCounterCache(COUNTER_CACHES);
    for (let offset: usize = 16; offset < wholeLen; offset += 16) {
      counterWord += 1;
      prepareCounterCache(ctrSchedulePtr, SIV_COUNTER, counterWord, COUNTER_CACHES);
      const macBlockPtr = dataPtr + offset - 16;
      encryptMacAndCounter256(
        cmacSchedulePtr,
        load<u32>(CMAC_STATE) ^ load<u32>(macBlockPtr),
        load<u32>(CMAC_STATE, 4) ^ load<u32>(macBlockPtr, 4),
        load<u32>(CMAC_STATE, 8) ^ load<u32>(macBlockPtr, 8),
        load<u32>(CMAC_STATE, 12) ^ load<u32>(macBlockPtr, 12),
        CMAC_STATE,
        ctrSchedulePtr,
        counterWord,
        COUNTER_CACHES,
        dataPtr + offset,
      );
    }
    counterWord += 1;
  }
  if (wholeLen < len) {
    const counter3 = bigEndianBytes32(counterWord);
    encryptColumns(ctrSchedulePtr, 14, counter0, counter1, counter2, counter3, KEYSTREAM_BLOCKS);
    for (let i = wholeLen; i < len; i++) {
      store<u8>(dataPtr + i, load<u8>(dataPtr + i) ^ load<u8>(KEYSTREAM_BLOCKS + i - wholeLen));
    }
  }
}

/** The table core's open, V left at CMAC_STATE. */
function tableSivOpen(
  slotPtr: usize,
  adsPtr: usize,
  adLensPtr: usize,
  adCount: u32,
  tagPtr: usize,
  ctLen: usize,
): void {
  const ptPtr = tagPtr + 16;
  const rounds = load<u32>(slotPtr + SLOT_ROUNDS);
  const cmacSchedulePtr = slotPtr + SLOT_CMAC_SCHEDULE;
  const ctrSchedulePtr = slotPtr + SLOT_CTR_SCHEDULE;
  storeCtrIv(SIV_COUNTER, tagPtr);
  s2vStart(slotPtr, adsPtr, adLensPtr, adCount);
  if (rounds == 14) {
    decryptAndMac256(ctrSchedulePtr, cmacSchedulePtr, ptPtr, ctLen);
  } else {
    ctr(ctrSchedulePtr, rounds, SIV_COUNTER, ptPtr, ctLen);
    cmacBlocks(cmacSchedulePtr, rounds, CMAC_STATE, ptPtr, s2vUnchangedBlocks(ctLen));
  }
  const subkeysPtr = slotPtr + SLOT_SUBKEYS;
  s2vFinish(cmacSchedulePtr, rounds, subkeysPtr, CMAC_STATE, S2V_ACCUMULATOR, ptPtr, ctLen);
}

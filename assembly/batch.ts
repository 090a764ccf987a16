/**
 * Batch open (`sivOpenBatch`, window layout in memory.ts): many AES-SIV opens in E4's shape,
 * each item with its own status. The table core opens the items one after the other; the
 * constant-time core runs sixteen of them at once, one per lane (two sets of eight), each lane
 * going through its message's CTR blocks, then the CMAC of its timestamp, then the chain of its
 * plaintext (RFC 5297 §2.7), and taking the next item as soon as it is done, so every call of the
 * core has sixteen blocks of work whatever the sizes. Each lane runs under its own message's key:
 * the lane's part of its set's MIXED_SCHEDULE is replaced when it takes an item under another key
 * than its last.
 */

import { CT_LANES, ctEncryptLaneSets, ctSelectLaneKey } from "./aes-ct";
import { usesConstantTimeAes } from "./aes-core";
import { bigEndianBytes32, copy16, equal16, loadBe32, wipe } from "./bytes";
import { cmacLastInput, s2vTailBlocks, s2vUnchangedBlocks } from "./cmac";
import { slotHolds, sivKeySlot } from "./keycache";
import {
  LANE_D,
  LANE_SUBKEYS,
  LANE_TAIL,
  LANE_X,
  LANE_ZERO_DOUBLED,
  laneBlock,
  laneControl,
  laneState,
  xorBytes,
} from "./lanes";
import {
  AD_LENS,
  BATCH_AD_LEN,
  BATCH_HEADER_LEN,
  BATCH_ITEM_BYTES,
  BATCH_KEY_BYTES,
  BATCH_KEY_SLOTS,
  KEY_CACHE,
  LANE_BLOCKS,
  MIXED_SCHEDULE,
  MIXED_SCHEDULE_SET_BYTES,
  SLOT_CMAC_SCHEDULE,
  SLOT_CMAC_ZERO_DOUBLED,
  SLOT_SAME_HALVES,
  SLOT_SUBKEYS,
} from "./memory";
import { aesSivOpen, storeCtrIv } from "./siv";
import { Status } from "./status";

/** Lanes: two sets of the eight of aes-ct.ts, which go through the rounds together. */
const BATCH_LANES: u32 = 2 * CT_LANES;

/** An item the lanes leave to the one-message open: its SIV key has two different halves. */
const DEFERRED: u32 = 0xff;

/**
 * The key-cache slot of item `itemPtr`'s key, or 0 when its descriptor is refused, its status
 * then written: a key index out of range, a message overlapping the tables, shorter than 24 bytes
 * or past the window. Each key of the table is looked up once, and again only when a later key
 * evicted its slot.
 */
function itemSlot(base: usize, itemPtr: usize, keysPtr: usize, keyCount: u32, tablesLen: u64, capacity: u64): usize {
  const keyIndex = load<u32>(itemPtr);
  const offset = load<u32>(itemPtr, 4);
  const len = load<u32>(itemPtr, 8);
  if (keyIndex >= keyCount || <u64>offset < tablesLen || len < BATCH_HEADER_LEN) {
    store<u32>(itemPtr, Status.InvalidArgument, 12);
    return 0;
  }
  if (<u64>offset + <u64>len > capacity) {
    store<u32>(itemPtr, Status.InputTooLarge, 12);
    return 0;
  }
  const keyPtr = keysPtr + <usize>keyIndex * BATCH_KEY_BYTES;
  const knownPtr = BATCH_KEY_SLOTS + (<usize>keyIndex << 2);
  let slotPtr = <usize>load<u32>(knownPtr);
  if (!slotHolds(slotPtr, keyPtr, <u32>BATCH_KEY_BYTES)) {
    slotPtr = sivKeySlot(keyPtr, <u32>BATCH_KEY_BYTES);
    store<u32>(knownPtr, <u32>slotPtr);
  }
  return slotPtr;
}

/** Opens item `itemPtr` alone under the slot's key. */
function openItem(base: usize, itemPtr: usize, slotPtr: usize): void {
  const messagePtr = base + <usize>load<u32>(itemPtr, 4);
  const len = load<u32>(itemPtr, 8);
  const status = aesSivOpen(slotPtr, messagePtr, AD_LENS, 1, messagePtr + BATCH_AD_LEN, len - BATCH_HEADER_LEN);
  store<u32>(itemPtr, status, 12);
}

/**
 * Opens items [0, count) of the descriptors at `base`; `tablesLen` bytes of descriptors and key
 * table precede the messages, `capacity` is the window's size.
 */
export function openBatchItems(base: usize, count: u32, keysPtr: usize, keyCount: u32, tablesLen: u64, capacity: u64): void {
  for (let k: u32 = 0; k < keyCount; k++) store<u32>(BATCH_KEY_SLOTS + (<usize>k << 2), <u32>KEY_CACHE);
  store<u32>(AD_LENS, BATCH_AD_LEN);
  if (usesConstantTimeAes()) {
    openInLanes(base, count, keysPtr, keyCount, tablesLen, capacity);
    return;
  }
  for (let i: u32 = 0; i < count; i++) {
    const itemPtr = base + <usize>i * BATCH_ITEM_BYTES;
    const slotPtr = itemSlot(base, itemPtr, keysPtr, keyCount, tablesLen, capacity);
    if (slotPtr != 0) openItem(base, itemPtr, slotPtr);
  }
}

/** LANE_CONTROL fields of the lanes of a batch (u32; Q takes 16 bytes). */
const LANE_ITEM: usize = 16;
const LANE_PHASE: usize = 20;
const LANE_STEP: usize = 24;
const LANE_STEPS: usize = 28;
const LANE_MESSAGE: usize = 32;
const LANE_CT_LEN: usize = 36;
const LANE_KEY_INDEX: usize = 40;
const LANE_COUNTER: usize = 48;

/** What a lane does for its item, in this order. */
const PHASE_CTR: u32 = 0;
const PHASE_TIMESTAMP_MAC: u32 = 1;
const PHASE_PLAINTEXT_MAC: u32 = 2;
const PHASE_TAIL_MAC: u32 = 3;
const NO_KEY: u32 = 0xffffffff;

/** The lanes' run through the batch (see the header). */
function openInLanes(base: usize, count: u32, keysPtr: usize, keyCount: u32, tablesLen: u64, capacity: u64): void {
  let next: u32 = 0;
  let active: u32 = 0;
  for (let lane: u32 = 0; lane < BATCH_LANES; lane++) {
    store<u32>(laneControl(lane) + LANE_ITEM, 0);
    store<u32>(laneControl(lane) + LANE_KEY_INDEX, NO_KEY);
    next = fillLane(lane, next, base, count, keysPtr, keyCount, tablesLen, capacity);
    if (load<u32>(laneControl(lane) + LANE_ITEM) == 0) continue;
    active++;
    laneInput(lane);
  }
  // Each pass takes every busy lane's block out and puts its next one in, so a lane whose item
  // ends takes the next item at once.
  while (active != 0) {
    ctEncryptLaneSets(MIXED_SCHEDULE, MIXED_SCHEDULE + MIXED_SCHEDULE_SET_BYTES, 14, LANE_BLOCKS);
    active = 0;
    for (let lane: u32 = 0; lane < BATCH_LANES; lane++) {
      if (load<u32>(laneControl(lane) + LANE_ITEM) == 0) continue;
      if (!laneOutput(lane, base)) {
        next = fillLane(lane, next, base, count, keysPtr, keyCount, tablesLen, capacity);
        if (load<u32>(laneControl(lane) + LANE_ITEM) == 0) continue;
      }
      active++;
      laneInput(lane);
    }
  }
  for (let i: u32 = 0; i < count; i++) {
    const itemPtr = base + <usize>i * BATCH_ITEM_BYTES;
    if (load<u32>(itemPtr, 12) != DEFERRED) continue;
    openItem(base, itemPtr, itemSlot(base, itemPtr, keysPtr, keyCount, tablesLen, capacity));
  }
}

/**
 * Gives the idle lane `lane` the first item from `next` on that the lanes take; refused items get
 * their status, and items whose key has two different halves are left to the one-message open.
 * Returns the index after the last item looked at; the lane stays idle when none is left.
 */
function fillLane(
  lane: u32,
  next: u32,
  base: usize,
  count: u32,
  keysPtr: usize,
  keyCount: u32,
  tablesLen: u64,
  capacity: u64,
): u32 {
  while (next < count) {
    const itemPtr = base + <usize>next * BATCH_ITEM_BYTES;
    next++;
    const slotPtr = itemSlot(base, itemPtr, keysPtr, keyCount, tablesLen, capacity);
    if (slotPtr == 0) continue;
    if (load<u32>(slotPtr + SLOT_SAME_HALVES) == 0) {
      store<u32>(itemPtr, DEFERRED, 12);
      continue;
    }
    takeItem(lane, base, itemPtr, slotPtr);
    break;
  }
  return next;
}

/**
 * Lane `lane` takes item `itemPtr` (a 64-byte key with equal halves, so one schedule serves CTR
 * and CMAC): its key into the lane's part of MIXED_SCHEDULE unless already there, its subkeys
 * and dbl(CMAC(K, 0)) into the lane's state, so the item no longer needs its slot, which a later
 * item may evict.
 */
function takeItem(lane: u32, base: usize, itemPtr: usize, slotPtr: usize): void {
  const control = laneControl(lane);
  const state = laneState(lane);
  const keyIndex = load<u32>(itemPtr);
  if (load<u32>(control + LANE_KEY_INDEX) != keyIndex) {
    const setPtr = MIXED_SCHEDULE + <usize>(lane / CT_LANES) * MIXED_SCHEDULE_SET_BYTES;
    ctSelectLaneKey(setPtr, slotPtr + SLOT_CMAC_SCHEDULE, 14, lane % CT_LANES);
    store<u32>(control + LANE_KEY_INDEX, keyIndex);
  }
  copy16(state + LANE_SUBKEYS, slotPtr + SLOT_SUBKEYS);
  copy16(state + LANE_SUBKEYS + 16, slotPtr + SLOT_SUBKEYS + 16);
  copy16(state + LANE_ZERO_DOUBLED, slotPtr + SLOT_CMAC_ZERO_DOUBLED);
  const messagePtr = base + <usize>load<u32>(itemPtr, 4);
  store<u32>(control + LANE_ITEM, <u32>(itemPtr - base) + 1);
  store<u32>(control + LANE_MESSAGE, <u32>messagePtr);
  store<u32>(control + LANE_CT_LEN, load<u32>(itemPtr, 8) - BATCH_HEADER_LEN);
  storeCtrIv(control + LANE_COUNTER, messagePtr + BATCH_AD_LEN);
  enterPhase(lane, PHASE_CTR);
}

/** Starts `phase` of the lane's item, or the first later one that has blocks. */
function enterPhase(lane: u32, phase: u32): void {
  const control = laneControl(lane);
  const state = laneState(lane);
  const ctLen = <usize>load<u32>(control + LANE_CT_LEN);
  let steps: usize = 0;
  if (phase == PHASE_CTR) {
    steps = (ctLen + 15) >> 4;
    if (steps == 0) phase = PHASE_TIMESTAMP_MAC;
  }
  if (phase == PHASE_TIMESTAMP_MAC) steps = 1;
  if (phase == PHASE_PLAINTEXT_MAC) {
    wipe(state + LANE_X, 16);
    steps = s2vUnchangedBlocks(ctLen);
    if (steps == 0) phase = PHASE_TAIL_MAC;
  }
  if (phase == PHASE_TAIL_MAC) {
    const plaintextPtr = <usize>load<u32>(control + LANE_MESSAGE) + BATCH_HEADER_LEN;
    steps = s2vTailBlocks(state + LANE_SUBKEYS, state + LANE_D, plaintextPtr, ctLen, state + LANE_TAIL);
  }
  store<u32>(control + LANE_PHASE, phase);
  store<u32>(control + LANE_STEP, 0);
  store<u32>(control + LANE_STEPS, <u32>steps);
}

/** The block the lane's item puts in the lane for this step. */
function laneInput(lane: u32): void {
  const control = laneControl(lane);
  const state = laneState(lane);
  const block = laneBlock(lane);
  const phase = load<u32>(control + LANE_PHASE);
  const step = load<u32>(control + LANE_STEP);
  const messagePtr = <usize>load<u32>(control + LANE_MESSAGE);
  if (phase == PHASE_CTR) {
    const counterPtr = control + LANE_COUNTER;
    v128.store(block, i32x4.replace_lane(v128.load(counterPtr), 3, bigEndianBytes32(loadBe32(counterPtr + 12) + step)));
  } else if (phase == PHASE_TIMESTAMP_MAC) {
    cmacLastInput(state + LANE_SUBKEYS, messagePtr, BATCH_AD_LEN, block);
  } else {
    const source =
      phase == PHASE_PLAINTEXT_MAC
        ? messagePtr + BATCH_HEADER_LEN + (<usize>step << 4)
        : state + LANE_TAIL + (<usize>step << 4);
    v128.store(block, v128.xor(v128.load(state + LANE_X), v128.load(source)));
  }
}

/**
 * Takes the lane's encrypted block and moves the item on: true when it has a next block, false
 * when this was its last and the item has ended, its status written and the lane idle.
 */
function laneOutput(lane: u32, base: usize): bool {
  const control = laneControl(lane);
  const state = laneState(lane);
  const block = laneBlock(lane);
  const phase = load<u32>(control + LANE_PHASE);
  const step = load<u32>(control + LANE_STEP);
  const messagePtr = <usize>load<u32>(control + LANE_MESSAGE);
  const plaintextPtr = messagePtr + BATCH_HEADER_LEN;
  if (phase == PHASE_CTR) {
    const offset = <usize>step << 4;
    const ctLen = <usize>load<u32>(control + LANE_CT_LEN);
    const blockPtr = plaintextPtr + offset;
    if (ctLen - offset >= 16) {
      v128.store(blockPtr, v128.xor(v128.load(blockPtr), v128.load(block)));
    } else {
      xorBytes(blockPtr, block, ctLen - offset);
    }
  } else if (phase == PHASE_TIMESTAMP_MAC) {
    // D = dbl(CMAC(K, 0)) ⊕ CMAC(K, timestamp) (RFC 5297 §2.4, one associated-data string).
    v128.store(state + LANE_D, v128.xor(v128.load(state + LANE_ZERO_DOUBLED), v128.load(block)));
  } else {
    v128.store(state + LANE_X, v128.load(block));
  }
  if (step + 1 < load<u32>(control + LANE_STEPS)) {
    store<u32>(control + LANE_STEP, step + 1);
    return true;
  }
  if (phase != PHASE_TAIL_MAC) {
    enterPhase(lane, phase + 1);
    return true;
  }
  const itemPtr = base + <usize>load<u32>(control + LANE_ITEM) - 1;
  const ctLen = <usize>load<u32>(control + LANE_CT_LEN);
  let status = Status.Ok;
  if (!equal16(state + LANE_X, messagePtr + BATCH_AD_LEN)) {
    wipe(plaintextPtr, ctLen);
    status = Status.NotAuthentic;
  }
  store<u32>(itemPtr, status, 12);
  store<u32>(control + LANE_ITEM, 0);
  return false;
}

/**
 * The ABI of the core module: its only exports.
 *
 * Data moves through fixed slots and the I/O window (layout in memory.ts); the binding asks for
 * every address through the getters below and hard-codes none. Operations return a Status
 * (memory.ts: 0 Ok, 1 NotAuthentic, 2 InvalidKeyLength, 3 InputTooLarge, 4 TooManyAds,
 * 5 OutOfMemory, 6 InvalidArgument). Each checks every length it is given against the window, in
 * 64-bit arithmetic, before touching memory, so no argument value can make it trap or write
 * outside the window. Every operation that reads the key slot zeroes it before returning,
 * whatever the status, and wipes the scratch that held intermediate secrets.
 */

import { copy16, wipe } from "./bytes";
import { ctr } from "./aes";
import {
  encryptBlockOfCore,
  expandKeyOfCore,
  setConstantTimeAes,
  usesConstantTimeAes,
  wipeBatchScratch,
  wipeCoreScratch,
} from "./aes-core";
import { openBatchItems } from "./batch";
import { cmacMessage, cmacSubkeys, dbl as doubleBlock } from "./cmac";
import { sha3_256 as sha3_256Digest } from "./keccak";
import { sivKeySlot, wipeKeyCache as wipeAllKeySlots } from "./keycache";
import { ctCmac, ctCtr } from "./lanes";
import { aesSivOpen, aesSivSeal } from "./siv";
import {
  AD_LENS,
  BATCH_ITEM_BYTES,
  BATCH_KEY_BYTES,
  CMAC_STATE,
  IV_SLOT,
  KEY_CACHE_SLOTS,
  KEY_SLOT,
  KEY_SLOT_BYTES,
  MAX_ADS,
  MAX_BATCH_KEYS,
  MAX_IO_BYTES,
  SCHEDULE_SCRATCH,
  SCHEDULE_SCRATCH_BYTES,
  SCRATCH_SCHEDULE,
  SCRATCH_SUBKEYS,
  fitsWindow,
  ioCapacityBytes,
  ioStart,
  reserveIo,
} from "./memory";
import { Status } from "./status";

const SIV_TAG_LEN: u64 = 16;
const AES_BLOCK_LEN: u64 = 16;
const SHA3_256_LEN: u64 = 32;

/** Start of the I/O window. */
export function ioPtr(): usize {
  return ioStart();
}

/** Bytes the window holds now; grows only through `reserve`. */
export function ioCapacity(): u32 {
  return ioCapacityBytes();
}

/** The window never grows beyond this (64 MiB). */
export function maxIoBytes(): u32 {
  return MAX_IO_BYTES;
}

/** The 64-byte key slot; every operation that reads it zeroes it before returning. */
export function keyPtr(): usize {
  return KEY_SLOT;
}

/** u32[maxAds()] little-endian lengths of the associated-data strings of sivSeal / sivOpen. */
export function adLensPtr(): usize {
  return AD_LENS;
}

export function maxAds(): u32 {
  return MAX_ADS;
}

/** 16-byte slot: the IV of aesCtr, the operand of dbl, the tag output of cmac. */
export function ivPtr(): usize {
  return IV_SLOT;
}

export function keyCacheSlots(): u32 {
  return KEY_CACHE_SLOTS;
}

/**
 * Grows memory so that ioCapacity() >= bytes. Views on the memory buffer are detached when it
 * grows, so the binding rebuilds them after a successful call.
 */
export function reserve(bytes: u32): i32 {
  return reserveIo(bytes);
}

// @ts-ignore: decorator
@inline
function isSivKeyLen(keyLen: u32): bool {
  return keyLen == 32 || keyLen == 48 || keyLen == 64;
}

// @ts-ignore: decorator
@inline
function isAesKeyLen(keyLen: u32): bool {
  return keyLen == 16 || keyLen == 24 || keyLen == 32;
}

/** Total length of the first `adCount` associated-data strings; at most 126 × (2^32 − 1). */
function adsTotalLen(adCount: u32): u64 {
  let total: u64 = 0;
  for (let i: u32 = 0; i < adCount; i++) {
    total += <u64>load<u32>(AD_LENS + (<usize>i << 2));
  }
  return total;
}

/** Ends an operation that read the key slot, on every path. */
function finishKeyOperation(status: Status): i32 {
  wipe(KEY_SLOT, KEY_SLOT_BYTES);
  wipeCoreScratch();
  wipe(SCHEDULE_SCRATCH, SCHEDULE_SCRATCH_BYTES);
  return status;
}

/**
 * Chooses the AES core every later operation runs on: 1 the constant-time, bitsliced core
 * (aes-ct.ts), 0 the table core (aes.ts, the default). Wipes the key cache, whose schedules are
 * in the other core's layout, whenever the choice changes.
 */
export function selectAesCore(constantTime: u32): i32 {
  const wanted = constantTime != 0;
  if (wanted != usesConstantTimeAes()) {
    wipeAllKeySlots();
    setConstantTimeAes(wanted);
  }
  return Status.Ok;
}

/** 1 while the constant-time core is selected. */
export function aesCore(): u32 {
  return <u32>usesConstantTimeAes();
}

/**
 * AES-SIV seal (RFC 5297 §2.6). SIV key (32/48/64 bytes) at keyPtr; AD lengths at adLensPtr.
 * In: window = ad0 ‖ … ‖ ad(adCount−1) ‖ 16 free bytes ‖ plaintext(ptLen).
 * Out: window = the ADs unchanged ‖ tag(16) ‖ ciphertext(ptLen), in place.
 */
export function sivSeal(keyLen: u32, adCount: u32, ptLen: u32): i32 {
  if (!isSivKeyLen(keyLen)) return finishKeyOperation(Status.InvalidKeyLength);
  if (adCount > MAX_ADS) return finishKeyOperation(Status.TooManyAds);
  const adsLen = adsTotalLen(adCount);
  if (!fitsWindow(adsLen + SIV_TAG_LEN + <u64>ptLen)) {
    return finishKeyOperation(Status.InputTooLarge);
  }
  const slotPtr = sivKeySlot(KEY_SLOT, keyLen);
  wipe(KEY_SLOT, KEY_SLOT_BYTES);
  const tagPtr = ioStart() + <usize>adsLen;
  aesSivSeal(slotPtr, ioStart(), AD_LENS, adCount, tagPtr, ptLen);
  wipeCoreScratch();
  return Status.Ok;
}

/**
 * AES-SIV open (RFC 5297 §2.7). SIV key at keyPtr; AD lengths at adLensPtr.
 * In: window = ADs ‖ tag(16) ‖ ciphertext(sealedLen − 16).
 * Out: plaintext at (end of the ADs + 16), sealedLen − 16 bytes. On a bad tag that region is
 * zeroed and the status is NotAuthentic.
 */
export function sivOpen(keyLen: u32, adCount: u32, sealedLen: u32): i32 {
  if (!isSivKeyLen(keyLen)) return finishKeyOperation(Status.InvalidKeyLength);
  if (adCount > MAX_ADS) return finishKeyOperation(Status.TooManyAds);
  if (<u64>sealedLen < SIV_TAG_LEN) return finishKeyOperation(Status.InvalidArgument);
  const adsLen = adsTotalLen(adCount);
  if (!fitsWindow(adsLen + <u64>sealedLen)) return finishKeyOperation(Status.InputTooLarge);
  const slotPtr = sivKeySlot(KEY_SLOT, keyLen);
  wipe(KEY_SLOT, KEY_SLOT_BYTES);
  const tagPtr = ioStart() + <usize>adsLen;
  const status = aesSivOpen(slotPtr, ioStart(), AD_LENS, adCount, tagPtr, sealedLen - 16);
  wipeCoreScratch();
  return status;
}

/** The most distinct keys one sivOpenBatch call takes. */
export function maxBatchKeys(): u32 {
  return MAX_BATCH_KEYS;
}

/** The size of one sivOpenBatch item descriptor (four u32: key index, offset, length, status). */
export function batchItemBytes(): u32 {
  return <u32>BATCH_ITEM_BYTES;
}

/** The size of one sivOpenBatch key-table entry (a 64-byte SIV key). */
export function batchKeyBytes(): u32 {
  return <u32>BATCH_KEY_BYTES;
}

/**
 * Many AES-SIV opens in E4's shape (64-byte SIV key, one associated-data string: the message's
 * own 8-byte timestamp) in one call; the window layout is in memory.ts ("Batch open"). Each item
 * gets its own status in its descriptor, so one bad item never stops the others. Each key of the
 * table is looked up in the key cache once, and looked up again only when a later key of the
 * same batch evicted its slot. The call itself fails (and no item is opened) only when the tables
 * do not fit the window or keyCount > maxBatchKeys(); the key table is zeroed on every path.
 */
export function sivOpenBatch(count: u32, keyCount: u32): i32 {
  const keysOffset: u64 = <u64>count * <u64>BATCH_ITEM_BYTES;
  const tablesLen: u64 = keysOffset + <u64>keyCount * <u64>BATCH_KEY_BYTES;
  if (!fitsWindow(tablesLen)) return Status.InputTooLarge;
  const base = ioStart();
  const keysPtr = base + <usize>keysOffset;
  if (keyCount > MAX_BATCH_KEYS) {
    wipe(keysPtr, <usize>keyCount * BATCH_KEY_BYTES);
    return Status.InvalidArgument;
  }
  openBatchItems(base, count, keysPtr, keyCount, tablesLen, <u64>ioCapacityBytes());
  wipe(keysPtr, <usize>keyCount * BATCH_KEY_BYTES);
  wipeBatchScratch();
  return Status.Ok;
}

/** SHA3-256 (FIPS 202) of window[0, len); the 32-byte digest is written at ioPtr. */
export function sha3_256(len: u32): i32 {
  if (!fitsWindow(<u64>len) || !fitsWindow(SHA3_256_LEN)) return Status.InputTooLarge;
  sha3_256Digest(ioStart(), len, ioStart());
  return Status.Ok;
}

/** One AES block (FIPS 197): key (16/24/32 bytes) at keyPtr, block at ioPtr, encrypted in place. */
export function aesEncryptBlock(keyLen: u32): i32 {
  if (!isAesKeyLen(keyLen)) return finishKeyOperation(Status.InvalidKeyLength);
  if (!fitsWindow(AES_BLOCK_LEN)) return finishKeyOperation(Status.InputTooLarge);
  const rounds = expandKeyOfCore(KEY_SLOT, keyLen, SCRATCH_SCHEDULE);
  encryptBlockOfCore(SCRATCH_SCHEDULE, rounds, ioStart());
  return finishKeyOperation(Status.Ok);
}

/**
 * AES-CTR (SP 800-38A §6.5) with a 128-bit big-endian counter: key at keyPtr, IV at ivPtr,
 * window[0, len) XORed with the keystream in place.
 */
export function aesCtr(keyLen: u32, len: u32): i32 {
  if (!isAesKeyLen(keyLen)) return finishKeyOperation(Status.InvalidKeyLength);
  if (!fitsWindow(<u64>len)) return finishKeyOperation(Status.InputTooLarge);
  const rounds = expandKeyOfCore(KEY_SLOT, keyLen, SCRATCH_SCHEDULE);
  if (usesConstantTimeAes()) {
    ctCtr(SCRATCH_SCHEDULE, rounds, IV_SLOT, ioStart(), len);
  } else {
    ctr(SCRATCH_SCHEDULE, rounds, IV_SLOT, ioStart(), len);
  }
  return finishKeyOperation(Status.Ok);
}

/** AES-CMAC (RFC 4493): key at keyPtr, message window[0, len), 16-byte tag written at ivPtr. */
export function cmac(keyLen: u32, len: u32): i32 {
  if (!isAesKeyLen(keyLen)) return finishKeyOperation(Status.InvalidKeyLength);
  if (!fitsWindow(<u64>len)) return finishKeyOperation(Status.InputTooLarge);
  const rounds = expandKeyOfCore(KEY_SLOT, keyLen, SCRATCH_SCHEDULE);
  cmacSubkeys(SCRATCH_SCHEDULE, rounds, SCRATCH_SUBKEYS);
  if (usesConstantTimeAes()) {
    ctCmac(SCRATCH_SCHEDULE, rounds, SCRATCH_SUBKEYS, ioStart(), len, CMAC_STATE, IV_SLOT);
  } else {
    cmacMessage(SCRATCH_SCHEDULE, rounds, SCRATCH_SUBKEYS, CMAC_STATE, ioStart(), len);
    copy16(IV_SLOT, CMAC_STATE);
  }
  return finishKeyOperation(Status.Ok);
}

/** Doubling in GF(2^128) (RFC 5297 §2.3) of the block at ivPtr, in place. */
export function dbl(): i32 {
  doubleBlock(IV_SLOT);
  return Status.Ok;
}

/** Zeroes every key-cache slot. */
export function wipeKeyCache(): void {
  wipeAllKeySlots();
}

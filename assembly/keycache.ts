/**
 * A bounded cache of per-key AES-SIV material, so a key used again skips the key expansions, the
 * CMAC subkeys and CMAC(K, 0^128), work that would otherwise be repeated for every message.
 *
 * KEY_CACHE_SLOTS slots in static memory (layout in memory.ts). A slot is found by comparing the
 * full key bytes; on a miss the next slot in round-robin order is wiped and refilled, so evicted
 * key material never lingers. The first-word filter of the lookup and the comparison of the two
 * key halves reveal through timing only whether keys match, never their bytes.
 */

import { copy16, equalWords, wipe } from "./bytes";
import { encryptBlockOfCore, expandKeyOfCore, scheduleBytesOfCore } from "./aes-core";
import { cmacSubkeys, dbl } from "./cmac";
import {
  KEY_CACHE,
  KEY_CACHE_SLOTS,
  KEY_CACHE_SLOT_BYTES,
  SLOT_CMAC_SCHEDULE,
  SLOT_CMAC_ZERO,
  SLOT_CMAC_ZERO_DOUBLED,
  SLOT_CTR_SCHEDULE,
  SLOT_KEY,
  SLOT_KEY_LEN,
  SLOT_ROUNDS,
  SLOT_SAME_HALVES,
  SLOT_SUBKEYS,
} from "./memory";

let nextVictim: u32 = 0;
let lastHitSlot: u32 = 0;

// @ts-ignore: decorator
@inline
function slotAddress(slot: u32): usize {
  return KEY_CACHE + <usize>slot * KEY_CACHE_SLOT_BYTES;
}

/** True when the slot at `slotPtr` holds the material of the key `keyPtr[0, keyLen)`. */
// @ts-ignore: decorator
@inline
export function slotHolds(slotPtr: usize, keyPtr: usize, keyLen: u32): bool {
  return (
    load<u32>(slotPtr + SLOT_KEY_LEN) == keyLen &&
    load<u64>(slotPtr + SLOT_KEY) == load<u64>(keyPtr) &&
    equalWords(slotPtr + SLOT_KEY, keyPtr, keyLen)
  );
}

/**
 * Derives everything AES-SIV needs from the key (RFC 5297 §2.6: first half CMAC, second half
 * CTR), with the AES core in use. E4 passes key ‖ key, so equal halves share one expansion.
 */
function fillSlot(slotPtr: usize, keyPtr: usize, keyLen: u32): void {
  const halfLen = keyLen >> 1;
  memory.copy(slotPtr + SLOT_KEY, keyPtr, keyLen);
  store<u32>(slotPtr + SLOT_KEY_LEN, keyLen);
  const cmacSchedulePtr = slotPtr + SLOT_CMAC_SCHEDULE;
  const rounds = expandKeyOfCore(keyPtr, halfLen, cmacSchedulePtr);
  store<u32>(slotPtr + SLOT_ROUNDS, rounds);
  const sameHalves = equalWords(keyPtr, keyPtr + halfLen, halfLen);
  store<u32>(slotPtr + SLOT_SAME_HALVES, <u32>sameHalves);
  if (sameHalves) {
    memory.copy(slotPtr + SLOT_CTR_SCHEDULE, cmacSchedulePtr, scheduleBytesOfCore(rounds));
  } else {
    expandKeyOfCore(keyPtr + halfLen, halfLen, slotPtr + SLOT_CTR_SCHEDULE);
  }
  const subkeysPtr = slotPtr + SLOT_SUBKEYS;
  cmacSubkeys(cmacSchedulePtr, rounds, subkeysPtr);
  // CMAC of the one whole block 0^128 is E(0 ⊕ K1) (RFC 4493 §2.4).
  const zeroMacPtr = slotPtr + SLOT_CMAC_ZERO;
  copy16(zeroMacPtr, subkeysPtr);
  encryptBlockOfCore(cmacSchedulePtr, rounds, zeroMacPtr);
  copy16(slotPtr + SLOT_CMAC_ZERO_DOUBLED, zeroMacPtr);
  dbl(slotPtr + SLOT_CMAC_ZERO_DOUBLED);
}

/**
 * The slot holding the material of the SIV key `keyPtr[0, keyLen)` (32, 48 or 64 bytes),
 * filling one on a miss.
 */
export function sivKeySlot(keyPtr: usize, keyLen: u32): usize {
  const lastHitPtr = slotAddress(lastHitSlot);
  if (slotHolds(lastHitPtr, keyPtr, keyLen)) return lastHitPtr;
  for (let slot: u32 = 0; slot < KEY_CACHE_SLOTS; slot++) {
    const slotPtr = slotAddress(slot);
    if (slotHolds(slotPtr, keyPtr, keyLen)) {
      lastHitSlot = slot;
      return slotPtr;
    }
  }
  const victim = nextVictim;
  nextVictim = (victim + 1) % KEY_CACHE_SLOTS;
  const victimPtr = slotAddress(victim);
  wipe(victimPtr, KEY_CACHE_SLOT_BYTES);
  fillSlot(victimPtr, keyPtr, keyLen);
  lastHitSlot = victim;
  return victimPtr;
}

/** Zeroes every slot: no key, schedule or subkey survives. */
export function wipeKeyCache(): void {
  wipe(KEY_CACHE, <usize>KEY_CACHE_SLOTS * KEY_CACHE_SLOT_BYTES);
  nextVictim = 0;
  lastHitSlot = 0;
}

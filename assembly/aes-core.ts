/**
 * The AES core the module runs: the table core of aes.ts (the default) or the constant-time,
 * bitsliced one of aes-ct.ts, chosen through the `selectAesCore` export. The key cache, CMAC's
 * subkeys and the single-block primitives reach a block cipher only through this file; the modes
 * of each core are in siv.ts (table) and lanes.ts (constant time).
 */

import { encryptBlock, expandKey, scheduleBytes } from "./aes";
import { ctBlockRoundKeys, ctExpandKey, ctScheduleBytes } from "./aes-ct";
import { ctEncryptBlock } from "./aes-ct-block";
import { wipeBlockScratch, wipeCtMessageScratch, wipeCtScratch } from "./memory";

let constantTime = false;

/** True while the constant-time core is selected. */
// @ts-ignore: decorator
@inline
export function usesConstantTimeAes(): bool {
  return constantTime;
}

/** Selects the core; the caller wipes every schedule made by the other one. */
export function setConstantTimeAes(on: bool): void {
  constantTime = on;
}

/** Key expansion of the core in use; returns the rounds (10, 12, 14). */
export function expandKeyOfCore(keyPtr: usize, keyLen: u32, schedulePtr: usize): u32 {
  return constantTime ? ctExpandKey(keyPtr, keyLen, schedulePtr) : expandKey(keyPtr, keyLen, schedulePtr);
}

/** Bytes of a schedule of `rounds` rounds in the core in use. */
export function scheduleBytesOfCore(rounds: u32): usize {
  return constantTime ? ctScheduleBytes(rounds) : scheduleBytes(rounds);
}

/** One block at `blockPtr`, in place. */
export function encryptBlockOfCore(schedulePtr: usize, rounds: u32, blockPtr: usize): void {
  if (constantTime) {
    ctEncryptBlock(ctBlockRoundKeys(schedulePtr, rounds), rounds, blockPtr);
  } else {
    encryptBlock(schedulePtr, rounds, blockPtr);
  }
}

/** Zeroes the scratch of the core in use after a one-message operation. */
export function wipeCoreScratch(): void {
  wipeBlockScratch();
  if (constantTime) wipeCtMessageScratch();
}

/** Zeroes the scratch of the core in use after a batch, whose lanes fill all of it. */
export function wipeBatchScratch(): void {
  wipeBlockScratch();
  if (constantTime) wipeCtScratch();
}

// An AssemblyScript entry compiled by test/ct-wasm.test.ts: the block ciphers, key schedules and
// CTR of both AES cores as exports of their own, so the test can analyse each compiled body.
import { ctr, encryptBlock, expandKey } from '../../assembly/aes';
import { ctBlockRoundKeys, ctEncryptLanes, ctEncryptLaneSets, ctExpandKey, ctSelectLaneKey } from '../../assembly/aes-ct';
import { ctCbcMac, ctEncryptBlock, ctKeystreamAndChain } from '../../assembly/aes-ct-block';
import { ctCtr } from '../../assembly/lanes';

export function ctExpand(keyPtr: usize, keyLen: u32, schedulePtr: usize): u32 {
  return ctExpandKey(keyPtr, keyLen, schedulePtr);
}

export function ctEncrypt(schedulePtr: usize, rounds: u32, blocksPtr: usize): void {
  ctEncryptLanes(schedulePtr, rounds, blocksPtr);
}

export function ctEncryptSets(scheduleAPtr: usize, scheduleBPtr: usize, rounds: u32, blocksPtr: usize): void {
  ctEncryptLaneSets(scheduleAPtr, scheduleBPtr, rounds, blocksPtr);
}

export function ctOneBlock(schedulePtr: usize, rounds: u32, blockPtr: usize): void {
  ctEncryptBlock(ctBlockRoundKeys(schedulePtr, rounds), rounds, blockPtr);
}

export function ctTwoBlocks(scheduleAPtr: usize, counterPtr: usize, scheduleBPtr: usize, chainPtr: usize, messagePtr: usize, rounds: u32): void {
  ctKeystreamAndChain(ctBlockRoundKeys(scheduleAPtr, rounds), counterPtr, ctBlockRoundKeys(scheduleBPtr, rounds), chainPtr, messagePtr, rounds);
}

export function ctChain(schedulePtr: usize, rounds: u32, statePtr: usize, dataPtr: usize, blocks: usize): void {
  ctCbcMac(ctBlockRoundKeys(schedulePtr, rounds), rounds, statePtr, dataPtr, blocks);
}

export function ctSelectLane(mixedPtr: usize, schedulePtr: usize, rounds: u32, lane: u32): void {
  ctSelectLaneKey(mixedPtr, schedulePtr, rounds, lane);
}

export function ctCounterMode(schedulePtr: usize, rounds: u32, ivPtr: usize, dataPtr: usize, len: usize): void {
  ctCtr(schedulePtr, rounds, ivPtr, dataPtr, len);
}

export function tableExpand(keyPtr: usize, keyLen: u32, schedulePtr: usize): u32 {
  return expandKey(keyPtr, keyLen, schedulePtr);
}

export function tableEncrypt(schedulePtr: usize, rounds: u32, blockPtr: usize): void {
  encryptBlock(schedulePtr, rounds, blockPtr);
}

export function tableCounterMode(schedulePtr: usize, rounds: u32, ivPtr: usize, dataPtr: usize, len: usize): void {
  ctr(schedulePtr, rounds, ivPtr, dataPtr, len);
}

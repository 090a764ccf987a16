// Argon2 version 0x13 (RFC 9106): H0, memory filling for Argon2d, Argon2i and
// Argon2id, and the tag. The caller validates the parameters and provides a
// block region large enough for m' blocks; nothing is allocated here.
//
// Lanes are filled one after another, slice by slice: within a slice a lane
// only references blocks of other lanes from finished slices (§3.4, §3.4.2),
// so this order gives the same result as running the lanes in parallel.

import { blake2bFinal, blake2bInit, blake2bUpdate, blake2bUpdateLE32, hPrime } from "./blake2b";

export const TYPE_D: u32 = 0;
export const TYPE_I: u32 = 1;
export const TYPE_ID: u32 = 2;

const VERSION: u32 = 0x13;
const BLOCK_BYTES: u32 = 1024;
// §3.4: four slices per pass, the synchronisation points of the lanes.
const SYNC_POINTS: u32 = 4;
// §3.4.1.2: one address block yields 128 pairs (J1, J2).
const ADDRESSES_PER_BLOCK: u32 = 128;

// H0 ‖ LE32(column) ‖ LE32(lane), the H' input for the first two blocks of each
// lane (§3.2 steps 3 and 4).
const H0_INPUT = memory.data(72, 8);
// Work block of the compression function: Q, the rows of R = X ⊕ Y after P,
// which the column pass reads.
const WORK = memory.data(BLOCK_BYTES, 64);
// §3.4.1.2: the all-zero block, the input block Z ‖ LE64(i) ‖ ZERO and the
// address block of the data-independent indexing.
const ZERO_BLOCK = memory.data(BLOCK_BYTES, 64);
const INPUT_BLOCK = memory.data(BLOCK_BYTES, 64);
const ADDRESS_BLOCK = memory.data(BLOCK_BYTES, 64);
// C, the XOR of the last column, the input of the tag (§3.2 step 7).
const FINAL_BLOCK = memory.data(BLOCK_BYTES, 64);

/** Clears the scratch areas that can hold data derived from the password. */
export function clearScratch(): void {
  memory.fill(H0_INPUT, 0, 72);
  memory.fill(WORK, 0, BLOCK_BYTES);
  memory.fill(FINAL_BLOCK, 0, BLOCK_BYTES);
}

// @ts-ignore: decorator
@inline
function fBlaMka(x: u64, y: u64): u64 {
  // §3.6: x + y + 2·trunc(x)·trunc(y); the 32×32→64 product is exact in i64.
  return x + y + (((x & 0xffffffff) * (y & 0xffffffff)) << 1);
}

// Input word of one application of P (see `permute`). On the row pass it is a
// word of R = X ⊕ Y, which is also recorded in the output block (XORed into
// its previous content on later passes); on the column pass it is a word of
// the work block left by the row pass.
// @ts-ignore: decorator
@inline
function inputWord(aPtr: usize, yPtr: usize, curPtr: usize, offset: usize, rowPass: bool, withXor: bool): u64 {
  if (!rowPass) return load<u64>(aPtr + offset);
  const r = load<u64>(aPtr + offset) ^ load<u64>(yPtr + offset);
  store<u64>(curPtr + offset, withXor ? load<u64>(curPtr + offset) ^ r : r);
  return r;
}

// Output word of one application of P: the row pass stores it in the work
// block (Q), the column pass XORs it into the output block, which then holds
// Z ⊕ R (⊕ the previous content).
// @ts-ignore: decorator
@inline
function outputWord(workPtr: usize, curPtr: usize, offset: usize, v: u64, rowPass: bool): void {
  if (rowPass) store<u64>(workPtr + offset, v);
  else store<u64>(curPtr + offset, load<u64>(curPtr + offset) ^ v);
}

// §3.6: the permutation P on sixteen words whose pairs (2j, 2j+1) sit at
// offset j·pairStride: pairStride 16 gives a row of the 8×8 matrix of 16-byte
// registers, 128 a column. Inlined with constant pairStride, rowPass and
// withXor, every offset becomes an immediate and the words stay in locals
// (registers) across the eight applications of GB. Reading X ⊕ Y directly in
// the row pass and accumulating into the output in the column pass saves two
// full passes over the block.
// @ts-ignore: decorator
@inline
function permute(
  aPtr: usize, yPtr: usize, workPtr: usize, curPtr: usize, pairStride: usize, rowPass: bool, withXor: bool,
): void {
  let v0 = inputWord(aPtr, yPtr, curPtr, 0, rowPass, withXor);
  let v1 = inputWord(aPtr, yPtr, curPtr, 8, rowPass, withXor);
  let v2 = inputWord(aPtr, yPtr, curPtr, pairStride, rowPass, withXor);
  let v3 = inputWord(aPtr, yPtr, curPtr, pairStride + 8, rowPass, withXor);
  let v4 = inputWord(aPtr, yPtr, curPtr, 2 * pairStride, rowPass, withXor);
  let v5 = inputWord(aPtr, yPtr, curPtr, 2 * pairStride + 8, rowPass, withXor);
  let v6 = inputWord(aPtr, yPtr, curPtr, 3 * pairStride, rowPass, withXor);
  let v7 = inputWord(aPtr, yPtr, curPtr, 3 * pairStride + 8, rowPass, withXor);
  let v8 = inputWord(aPtr, yPtr, curPtr, 4 * pairStride, rowPass, withXor);
  let v9 = inputWord(aPtr, yPtr, curPtr, 4 * pairStride + 8, rowPass, withXor);
  let v10 = inputWord(aPtr, yPtr, curPtr, 5 * pairStride, rowPass, withXor);
  let v11 = inputWord(aPtr, yPtr, curPtr, 5 * pairStride + 8, rowPass, withXor);
  let v12 = inputWord(aPtr, yPtr, curPtr, 6 * pairStride, rowPass, withXor);
  let v13 = inputWord(aPtr, yPtr, curPtr, 6 * pairStride + 8, rowPass, withXor);
  let v14 = inputWord(aPtr, yPtr, curPtr, 7 * pairStride, rowPass, withXor);
  let v15 = inputWord(aPtr, yPtr, curPtr, 7 * pairStride + 8, rowPass, withXor);

  // GB(v0, v4, v8, v12), GB(v1, v5, v9, v13), GB(v2, v6, v10, v14),
  // GB(v3, v7, v11, v15): the columns of the 4×4 word matrix.
  v0 = fBlaMka(v0, v4); v12 = rotr<u64>(v12 ^ v0, 32);
  v8 = fBlaMka(v8, v12); v4 = rotr<u64>(v4 ^ v8, 24);
  v0 = fBlaMka(v0, v4); v12 = rotr<u64>(v12 ^ v0, 16);
  v8 = fBlaMka(v8, v12); v4 = rotr<u64>(v4 ^ v8, 63);

  v1 = fBlaMka(v1, v5); v13 = rotr<u64>(v13 ^ v1, 32);
  v9 = fBlaMka(v9, v13); v5 = rotr<u64>(v5 ^ v9, 24);
  v1 = fBlaMka(v1, v5); v13 = rotr<u64>(v13 ^ v1, 16);
  v9 = fBlaMka(v9, v13); v5 = rotr<u64>(v5 ^ v9, 63);

  v2 = fBlaMka(v2, v6); v14 = rotr<u64>(v14 ^ v2, 32);
  v10 = fBlaMka(v10, v14); v6 = rotr<u64>(v6 ^ v10, 24);
  v2 = fBlaMka(v2, v6); v14 = rotr<u64>(v14 ^ v2, 16);
  v10 = fBlaMka(v10, v14); v6 = rotr<u64>(v6 ^ v10, 63);

  v3 = fBlaMka(v3, v7); v15 = rotr<u64>(v15 ^ v3, 32);
  v11 = fBlaMka(v11, v15); v7 = rotr<u64>(v7 ^ v11, 24);
  v3 = fBlaMka(v3, v7); v15 = rotr<u64>(v15 ^ v3, 16);
  v11 = fBlaMka(v11, v15); v7 = rotr<u64>(v7 ^ v11, 63);

  // GB(v0, v5, v10, v15), GB(v1, v6, v11, v12), GB(v2, v7, v8, v13),
  // GB(v3, v4, v9, v14): the diagonals.
  v0 = fBlaMka(v0, v5); v15 = rotr<u64>(v15 ^ v0, 32);
  v10 = fBlaMka(v10, v15); v5 = rotr<u64>(v5 ^ v10, 24);
  v0 = fBlaMka(v0, v5); v15 = rotr<u64>(v15 ^ v0, 16);
  v10 = fBlaMka(v10, v15); v5 = rotr<u64>(v5 ^ v10, 63);

  v1 = fBlaMka(v1, v6); v12 = rotr<u64>(v12 ^ v1, 32);
  v11 = fBlaMka(v11, v12); v6 = rotr<u64>(v6 ^ v11, 24);
  v1 = fBlaMka(v1, v6); v12 = rotr<u64>(v12 ^ v1, 16);
  v11 = fBlaMka(v11, v12); v6 = rotr<u64>(v6 ^ v11, 63);

  v2 = fBlaMka(v2, v7); v13 = rotr<u64>(v13 ^ v2, 32);
  v8 = fBlaMka(v8, v13); v7 = rotr<u64>(v7 ^ v8, 24);
  v2 = fBlaMka(v2, v7); v13 = rotr<u64>(v13 ^ v2, 16);
  v8 = fBlaMka(v8, v13); v7 = rotr<u64>(v7 ^ v8, 63);

  v3 = fBlaMka(v3, v4); v14 = rotr<u64>(v14 ^ v3, 32);
  v9 = fBlaMka(v9, v14); v4 = rotr<u64>(v4 ^ v9, 24);
  v3 = fBlaMka(v3, v4); v14 = rotr<u64>(v14 ^ v3, 16);
  v9 = fBlaMka(v9, v14); v4 = rotr<u64>(v4 ^ v9, 63);

  outputWord(workPtr, curPtr, 0, v0, rowPass);
  outputWord(workPtr, curPtr, 8, v1, rowPass);
  outputWord(workPtr, curPtr, pairStride, v2, rowPass);
  outputWord(workPtr, curPtr, pairStride + 8, v3, rowPass);
  outputWord(workPtr, curPtr, 2 * pairStride, v4, rowPass);
  outputWord(workPtr, curPtr, 2 * pairStride + 8, v5, rowPass);
  outputWord(workPtr, curPtr, 3 * pairStride, v6, rowPass);
  outputWord(workPtr, curPtr, 3 * pairStride + 8, v7, rowPass);
  outputWord(workPtr, curPtr, 4 * pairStride, v8, rowPass);
  outputWord(workPtr, curPtr, 4 * pairStride + 8, v9, rowPass);
  outputWord(workPtr, curPtr, 5 * pairStride, v10, rowPass);
  outputWord(workPtr, curPtr, 5 * pairStride + 8, v11, rowPass);
  outputWord(workPtr, curPtr, 6 * pairStride, v12, rowPass);
  outputWord(workPtr, curPtr, 6 * pairStride + 8, v13, rowPass);
  outputWord(workPtr, curPtr, 7 * pairStride, v14, rowPass);
  outputWord(workPtr, curPtr, 7 * pairStride + 8, v15, rowPass);
}

// @ts-ignore: decorator
@inline
function rowPass(xPtr: usize, yPtr: usize, curPtr: usize, withXor: bool): void {
  for (let row: usize = 0; row < BLOCK_BYTES; row += 128) {
    permute(xPtr + row, yPtr + row, WORK + row, curPtr + row, 16, true, withXor);
  }
}

// §3.5: the compression function G(X, Y) written to curPtr: R = X ⊕ Y, Q = P
// on each row of R, Z = P on each column of Q, result Z ⊕ R. Version 0x13
// XORs the result into the block's previous content on passes after the
// first (§3.2 step 6), which withXor selects.
function compress(xPtr: usize, yPtr: usize, curPtr: usize, withXor: bool): void {
  // Two copies of the row pass, so that withXor is a constant in each.
  if (withXor) rowPass(xPtr, yPtr, curPtr, true);
  else rowPass(xPtr, yPtr, curPtr, false);
  for (let column: usize = 0; column < 128; column += 16) {
    permute(WORK + column, 0, 0, curPtr + column, 128, false, false);
  }
}

/**
 * H0 of §3.2 step 1 for an empty secret K and empty associated data X, kept
 * for `initFirstBlocks`. mKiB is the requested memory size m, not m'.
 */
export function initialHash(
  type: u32, t: u32, mKiB: u32, p: u32,
  pwdPtr: usize, pwdLen: u32, saltPtr: usize, saltLen: u32, tagLen: u32,
): void {
  blake2bInit(64);
  blake2bUpdateLE32(p);
  blake2bUpdateLE32(tagLen);
  blake2bUpdateLE32(mKiB);
  blake2bUpdateLE32(t);
  blake2bUpdateLE32(VERSION);
  blake2bUpdateLE32(type);
  blake2bUpdateLE32(pwdLen);
  blake2bUpdate(pwdPtr, pwdLen);
  blake2bUpdateLE32(saltLen);
  blake2bUpdate(saltPtr, saltLen);
  blake2bUpdateLE32(0);
  blake2bUpdateLE32(0);
  blake2bFinal(H0_INPUT);
}

/**
 * §3.2 steps 3 and 4: B[i][0] = H'^1024(H0 ‖ LE32(0) ‖ LE32(i)) and
 * B[i][1] = H'^1024(H0 ‖ LE32(1) ‖ LE32(i)) for every lane i. H0 is cleared
 * before returning: nothing else needs it.
 */
export function initFirstBlocks(p: u32, laneBlocks: u32, blocksPtr: usize): void {
  const laneBytes = <usize>laneBlocks * BLOCK_BYTES;
  for (let lane: u32 = 0; lane < p; lane++) {
    const lanePtr = blocksPtr + <usize>lane * laneBytes;
    store<u32>(H0_INPUT, lane, 68);
    store<u32>(H0_INPUT, 0, 64);
    hPrime(lanePtr, BLOCK_BYTES, H0_INPUT, 72);
    store<u32>(H0_INPUT, 1, 64);
    hPrime(lanePtr + BLOCK_BYTES, BLOCK_BYTES, H0_INPUT, 72);
  }
  memory.fill(H0_INPUT, 0, 72);
}

// §3.4.1.2: the next address block, G(ZERO, G(ZERO, Z ‖ LE64(i) ‖ ZERO)) with
// the counter i incremented first.
function nextAddresses(): void {
  store<u64>(INPUT_BLOCK, load<u64>(INPUT_BLOCK, 48) + 1, 48);
  compress(ZERO_BLOCK, INPUT_BLOCK, ADDRESS_BLOCK, false);
  compress(ZERO_BLOCK, ADDRESS_BLOCK, ADDRESS_BLOCK, false);
}

// At large m a reference block is rarely in the cache. Touching each of its
// sixteen 64-byte lines up front lets their misses overlap instead of
// stalling once per row of the compression function.
// @ts-ignore: decorator
@inline
function touchBlock(ptr: usize): void {
  for (let line: usize = 0; line < BLOCK_BYTES; line += 64) load<u8>(ptr + line);
}

// With data-independent addressing the reference blocks are known in advance
// (§3.4.1.2): touching those of the next LOOKAHEAD blocks together overlaps
// their misses too, so a batch costs about one memory latency instead of one
// per block. The touches read only blocks the algorithm reads anyway.
const LOOKAHEAD: u32 = 8;

// §3.4.2: maps J1 to a block position in the reference area of the lane
// refLane ("index" is the block's position within its segment).
// @ts-ignore: decorator
@inline
function referenceIndex(
  pass: u32, slice: u32, index: u32, j1: u64, sameLane: bool, laneBlocks: u32, segmentBlocks: u32,
): u32 {
  // Reference set size |W|: in the current lane every finished block but
  // the previous one; in another lane the blocks of its finished segments
  // only, without the very last of them when the current block opens a
  // segment.
  let areaSize: u32;
  if (pass == 0) {
    if (slice == 0) areaSize = index - 1;
    else if (sameLane) areaSize = slice * segmentBlocks + index - 1;
    else areaSize = slice * segmentBlocks - <u32>(index == 0);
  } else {
    if (sameLane) areaSize = laneBlocks - segmentBlocks + index - 1;
    else areaSize = laneBlocks - segmentBlocks - <u32>(index == 0);
  }
  // x = J1²/2^32, y = |W|·x/2^32, zz = |W| − 1 − y: a non-uniform mapping
  // that favours recent blocks.
  const x = (j1 * j1) >> 32;
  const y = (<u64>areaSize * x) >> 32;
  const relative = areaSize - 1 - <u32>y;
  // On later passes the area starts right after the current segment and
  // wraps around the lane; on the first pass it starts at block 0.
  const start: u32 = pass != 0 && slice != SYNC_POINTS - 1 ? (slice + 1) * segmentBlocks : 0;
  return (start + relative) % laneBlocks;
}

// §3.4.1: the reference block of the block at position index of segment
// (lane, slice), from its pseudo-random value J1 ‖ J2.
// @ts-ignore: decorator
@inline
function referenceBlock(
  pseudoRand: u64, p: u32, laneBlocks: u32, blocksPtr: usize, pass: u32, slice: u32, lane: u32, index: u32,
): usize {
  // J2 selects the lane, except in the first slice of the first pass, where
  // other lanes have no finished blocks yet.
  const refLane = pass == 0 && slice == 0 ? lane : <u32>((pseudoRand >> 32) % p);
  const refIndex = referenceIndex(
    pass, slice, index, pseudoRand & 0xffffffff, refLane == lane, laneBlocks, laneBlocks / SYNC_POINTS,
  );
  return blocksPtr + <usize>(refLane * laneBlocks + refIndex) * BLOCK_BYTES;
}

// §3.4: computes the blocks of one segment (lane, slice) of one pass.
function fillSegment(
  type: u32, t: u32, p: u32, laneBlocks: u32, blocksPtr: usize, pass: u32, slice: u32, lane: u32,
): void {
  const segmentBlocks = laneBlocks / SYNC_POINTS;
  // Argon2id uses data-independent addressing in the first half of the first
  // pass only (§3.4.1.3).
  const independent = type == TYPE_I || (type == TYPE_ID && pass == 0 && slice < SYNC_POINTS / 2);
  // Blocks 0 and 1 of each lane come from H0.
  const first: u32 = pass == 0 && slice == 0 ? 2 : 0;
  if (independent) {
    // Z = LE64(r) ‖ LE64(l) ‖ LE64(sl) ‖ LE64(m') ‖ LE64(t) ‖ LE64(y) ‖
    // LE64(i) ‖ ZERO, with the counter i incremented before each use.
    store<u64>(INPUT_BLOCK, pass, 0);
    store<u64>(INPUT_BLOCK, lane, 8);
    store<u64>(INPUT_BLOCK, slice, 16);
    store<u64>(INPUT_BLOCK, <u64>laneBlocks * p, 24);
    store<u64>(INPUT_BLOCK, t, 32);
    store<u64>(INPUT_BLOCK, type, 40);
    store<u64>(INPUT_BLOCK, 0, 48);
    // The loop makes address blocks at multiples of 128 only; the first
    // segment starts at block 2.
    if (first != 0) nextAddresses();
  }
  const laneIndex = lane * laneBlocks;
  let cur = laneIndex + slice * segmentBlocks + first;
  // The predecessor of a lane's first block is the lane's last block.
  let prev = cur == laneIndex ? laneIndex + laneBlocks - 1 : cur - 1;
  const withXor = pass != 0;
  for (let index = first; index < segmentBlocks; index++) {
    const prevPtr = blocksPtr + <usize>prev * BLOCK_BYTES;
    let refPtr: usize;
    if (independent) {
      const slot = index % ADDRESSES_PER_BLOCK;
      if (slot == 0) nextAddresses();
      // Batches are aligned to LOOKAHEAD, a divisor of 128, so a batch never
      // needs the next address block.
      if (index == first || index % LOOKAHEAD == 0) {
        let batchEnd = index - index % LOOKAHEAD + LOOKAHEAD;
        if (batchEnd > segmentBlocks) batchEnd = segmentBlocks;
        for (let ahead = index; ahead < batchEnd; ahead++) {
          const aheadRand = load<u64>(ADDRESS_BLOCK + (<usize>(ahead % ADDRESSES_PER_BLOCK) << 3));
          touchBlock(referenceBlock(aheadRand, p, laneBlocks, blocksPtr, pass, slice, lane, ahead));
        }
      }
      const pseudoRand = load<u64>(ADDRESS_BLOCK + (<usize>slot << 3));
      refPtr = referenceBlock(pseudoRand, p, laneBlocks, blocksPtr, pass, slice, lane, index);
    } else {
      // §3.4.1.1: J1 ‖ J2 are the first 64 bits of the previous block.
      refPtr = referenceBlock(load<u64>(prevPtr), p, laneBlocks, blocksPtr, pass, slice, lane, index);
      touchBlock(refPtr);
    }
    compress(prevPtr, refPtr, blocksPtr + <usize>cur * BLOCK_BYTES, withXor);
    prev = cur;
    cur++;
  }
}

/**
 * §3.2 steps 5 and 6: t passes over the p lanes of laneBlocks blocks each
 * (m' = p · laneBlocks), after `initFirstBlocks`.
 */
export function fillMemory(type: u32, t: u32, p: u32, laneBlocks: u32, blocksPtr: usize): void {
  for (let pass: u32 = 0; pass < t; pass++) {
    for (let slice: u32 = 0; slice < SYNC_POINTS; slice++) {
      for (let lane: u32 = 0; lane < p; lane++) {
        fillSegment(type, t, p, laneBlocks, blocksPtr, pass, slice, lane);
      }
    }
  }
}

/**
 * §3.2 steps 7 and 8: C = B[0][q−1] ⊕ … ⊕ B[p−1][q−1] and the tag
 * H'^T(C), written to tagPtr.
 */
export function finalize(tagPtr: usize, tagLen: u32, p: u32, laneBlocks: u32, blocksPtr: usize): void {
  const laneBytes = <usize>laneBlocks * BLOCK_BYTES;
  const lastPtr = blocksPtr + laneBytes - BLOCK_BYTES;
  memory.copy(FINAL_BLOCK, lastPtr, BLOCK_BYTES);
  for (let lane: u32 = 1; lane < p; lane++) {
    const blockPtr = lastPtr + <usize>lane * laneBytes;
    for (let k: usize = 0; k < BLOCK_BYTES; k += 8) {
      store<u64>(FINAL_BLOCK + k, load<u64>(FINAL_BLOCK + k) ^ load<u64>(blockPtr + k));
    }
  }
  hPrime(tagPtr, tagLen, FINAL_BLOCK, BLOCK_BYTES);
  memory.fill(FINAL_BLOCK, 0, BLOCK_BYTES);
}

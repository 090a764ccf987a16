/**
 * Argon2 version 0x13 (RFC 9106), types d, i and id, over BLAKE2b from @noble/hashes.
 *
 * E4 derives keys with an empty salt, which @noble/hashes' own Argon2 refuses (RFC 9106 §3.1
 * recommends 16 bytes but the function is defined for any length), hence this implementation.
 * Memory is one Int32Array of 1 KiB blocks; each block is 128 little-endian 64-bit words stored
 * as (low, high) 32-bit pairs, so BlaMka's 64-bit arithmetic runs on 32-bit halves.
 */

import { blake2b } from '@noble/hashes/blake2.js';
import { E4ErrorCode, e4Error } from '../../errors.ts';
import type { Argon2Params, Argon2Type } from '../backend.ts';

const VERSION = 0x13;
/** RFC 9106 §3.2: each lane is cut into SL = 4 slices; lanes synchronise between slices. */
const SYNC_POINTS = 4;
/** 32-bit words per 1024-byte block. */
const BLOCK_WORDS = 256;
/** Pseudo-random 64-bit values per address block (RFC 9106 §3.4.1.2). */
const ADDRESSES_PER_BLOCK = 128;
const TWO_32 = 0x100000000;

/** Argon2 type numbers y of RFC 9106 §3.1. */
export const ARGON2D = 0;
export const ARGON2I = 1;
export const ARGON2ID = 2;

/**
 * High 32 bits of the product of two unsigned 32-bit integers. The double product is within
 * 2^11 of the exact one; removing the exact low half (Math.imul) and rounding to a multiple of
 * 2^32 recovers the high half exactly.
 */
function mulHi(a: number, b: number): number {
  const lo = Math.imul(a, b);
  return (((a >>> 0) * (b >>> 0) - (lo >>> 0)) / TWO_32 + 0.5) | 0;
}

/** Working block of the compression function G (RFC 9106 §3.5), reused by every call. */
const work = new Int32Array(BLOCK_WORDS);

/**
 * The permutation P of RFC 9106 §3.6 on the sixteen 64-bit words of `work` whose low halves are
 * at offsets o0..o15: GB down the four columns (v0, v4, v8, v12)..(v3, v7, v11, v15), then along
 * the four diagonals. GB(a, b, c, d) is four steps, each x = x + y + 2 · lo32(x) · lo32(y)
 * mod 2^64 followed by a rotation right of an XOR of two words:
 *   a = a + b ..., d = (d ^ a) >>> 32;   c = c + d ..., b = (b ^ c) >>> 24;
 *   a = a + b ..., d = (d ^ a) >>> 16;   c = c + d ..., b = (b ^ c) >>> 63.
 * The product's high half comes from the double product (as in `mulHi`), the carry of the sum
 * from adding the low halves as non-negative doubles. GB is written out eight times on local
 * variables so that P reads and writes each word of the block once, not once per GB.
 */
// prettier-ignore
function roundP(
  o0: number, o1: number, o2: number, o3: number, o4: number, o5: number, o6: number, o7: number,
  o8: number, o9: number, o10: number, o11: number, o12: number, o13: number, o14: number, o15: number,
): void {
  const w = work;
  let v0l = w[o0], v0h = w[o0 + 1];
  let v1l = w[o1], v1h = w[o1 + 1];
  let v2l = w[o2], v2h = w[o2 + 1];
  let v3l = w[o3], v3h = w[o3 + 1];
  let v4l = w[o4], v4h = w[o4 + 1];
  let v5l = w[o5], v5h = w[o5 + 1];
  let v6l = w[o6], v6h = w[o6 + 1];
  let v7l = w[o7], v7h = w[o7 + 1];
  let v8l = w[o8], v8h = w[o8 + 1];
  let v9l = w[o9], v9h = w[o9 + 1];
  let v10l = w[o10], v10h = w[o10 + 1];
  let v11l = w[o11], v11h = w[o11 + 1];
  let v12l = w[o12], v12h = w[o12 + 1];
  let v13l = w[o13], v13h = w[o13 + 1];
  let v14l = w[o14], v14h = w[o14 + 1];
  let v15l = w[o15], v15h = w[o15 + 1];
  let m = 0, mh = 0, t = 0, x = 0, y = 0;
  // GB(v0, v4, v8, v12)
  m = Math.imul(v0l, v4l);
  mh = (((v0l >>> 0) * (v4l >>> 0) - (m >>> 0)) / TWO_32 + 0.5) | 0;
  t = (v0l >>> 0) + (v4l >>> 0) + ((m << 1) >>> 0);
  v0h = (v0h + v4h + ((mh << 1) | (m >>> 31)) + ((t / TWO_32) | 0)) | 0;
  v0l = t | 0;
  x = v12l ^ v0l;
  v12l = v12h ^ v0h;
  v12h = x;
  m = Math.imul(v8l, v12l);
  mh = (((v8l >>> 0) * (v12l >>> 0) - (m >>> 0)) / TWO_32 + 0.5) | 0;
  t = (v8l >>> 0) + (v12l >>> 0) + ((m << 1) >>> 0);
  v8h = (v8h + v12h + ((mh << 1) | (m >>> 31)) + ((t / TWO_32) | 0)) | 0;
  v8l = t | 0;
  x = v4l ^ v8l;
  y = v4h ^ v8h;
  v4l = (x >>> 24) | (y << 8);
  v4h = (y >>> 24) | (x << 8);
  m = Math.imul(v0l, v4l);
  mh = (((v0l >>> 0) * (v4l >>> 0) - (m >>> 0)) / TWO_32 + 0.5) | 0;
  t = (v0l >>> 0) + (v4l >>> 0) + ((m << 1) >>> 0);
  v0h = (v0h + v4h + ((mh << 1) | (m >>> 31)) + ((t / TWO_32) | 0)) | 0;
  v0l = t | 0;
  x = v12l ^ v0l;
  y = v12h ^ v0h;
  v12l = (x >>> 16) | (y << 16);
  v12h = (y >>> 16) | (x << 16);
  m = Math.imul(v8l, v12l);
  mh = (((v8l >>> 0) * (v12l >>> 0) - (m >>> 0)) / TWO_32 + 0.5) | 0;
  t = (v8l >>> 0) + (v12l >>> 0) + ((m << 1) >>> 0);
  v8h = (v8h + v12h + ((mh << 1) | (m >>> 31)) + ((t / TWO_32) | 0)) | 0;
  v8l = t | 0;
  x = v4l ^ v8l;
  y = v4h ^ v8h;
  v4l = (x << 1) | (y >>> 31);
  v4h = (y << 1) | (x >>> 31);
  // GB(v1, v5, v9, v13)
  m = Math.imul(v1l, v5l);
  mh = (((v1l >>> 0) * (v5l >>> 0) - (m >>> 0)) / TWO_32 + 0.5) | 0;
  t = (v1l >>> 0) + (v5l >>> 0) + ((m << 1) >>> 0);
  v1h = (v1h + v5h + ((mh << 1) | (m >>> 31)) + ((t / TWO_32) | 0)) | 0;
  v1l = t | 0;
  x = v13l ^ v1l;
  v13l = v13h ^ v1h;
  v13h = x;
  m = Math.imul(v9l, v13l);
  mh = (((v9l >>> 0) * (v13l >>> 0) - (m >>> 0)) / TWO_32 + 0.5) | 0;
  t = (v9l >>> 0) + (v13l >>> 0) + ((m << 1) >>> 0);
  v9h = (v9h + v13h + ((mh << 1) | (m >>> 31)) + ((t / TWO_32) | 0)) | 0;
  v9l = t | 0;
  x = v5l ^ v9l;
  y = v5h ^ v9h;
  v5l = (x >>> 24) | (y << 8);
  v5h = (y >>> 24) | (x << 8);
  m = Math.imul(v1l, v5l);
  mh = (((v1l >>> 0) * (v5l >>> 0) - (m >>> 0)) / TWO_32 + 0.5) | 0;
  t = (v1l >>> 0) + (v5l >>> 0) + ((m << 1) >>> 0);
  v1h = (v1h + v5h + ((mh << 1) | (m >>> 31)) + ((t / TWO_32) | 0)) | 0;
  v1l = t | 0;
  x = v13l ^ v1l;
  y = v13h ^ v1h;
  v13l = (x >>> 16) | (y << 16);
  v13h = (y >>> 16) | (x << 16);
  m = Math.imul(v9l, v13l);
  mh = (((v9l >>> 0) * (v13l >>> 0) - (m >>> 0)) / TWO_32 + 0.5) | 0;
  t = (v9l >>> 0) + (v13l >>> 0) + ((m << 1) >>> 0);
  v9h = (v9h + v13h + ((mh << 1) | (m >>> 31)) + ((t / TWO_32) | 0)) | 0;
  v9l = t | 0;
  x = v5l ^ v9l;
  y = v5h ^ v9h;
  v5l = (x << 1) | (y >>> 31);
  v5h = (y << 1) | (x >>> 31);
  // GB(v2, v6, v10, v14)
  m = Math.imul(v2l, v6l);
  mh = (((v2l >>> 0) * (v6l >>> 0) - (m >>> 0)) / TWO_32 + 0.5) | 0;
  t = (v2l >>> 0) + (v6l >>> 0) + ((m << 1) >>> 0);
  v2h = (v2h + v6h + ((mh << 1) | (m >>> 31)) + ((t / TWO_32) | 0)) | 0;
  v2l = t | 0;
  x = v14l ^ v2l;
  v14l = v14h ^ v2h;
  v14h = x;
  m = Math.imul(v10l, v14l);
  mh = (((v10l >>> 0) * (v14l >>> 0) - (m >>> 0)) / TWO_32 + 0.5) | 0;
  t = (v10l >>> 0) + (v14l >>> 0) + ((m << 1) >>> 0);
  v10h = (v10h + v14h + ((mh << 1) | (m >>> 31)) + ((t / TWO_32) | 0)) | 0;
  v10l = t | 0;
  x = v6l ^ v10l;
  y = v6h ^ v10h;
  v6l = (x >>> 24) | (y << 8);
  v6h = (y >>> 24) | (x << 8);
  m = Math.imul(v2l, v6l);
  mh = (((v2l >>> 0) * (v6l >>> 0) - (m >>> 0)) / TWO_32 + 0.5) | 0;
  t = (v2l >>> 0) + (v6l >>> 0) + ((m << 1) >>> 0);
  v2h = (v2h + v6h + ((mh << 1) | (m >>> 31)) + ((t / TWO_32) | 0)) | 0;
  v2l = t | 0;
  x = v14l ^ v2l;
  y = v14h ^ v2h;
  v14l = (x >>> 16) | (y << 16);
  v14h = (y >>> 16) | (x << 16);
  m = Math.imul(v10l, v14l);
  mh = (((v10l >>> 0) * (v14l >>> 0) - (m >>> 0)) / TWO_32 + 0.5) | 0;
  t = (v10l >>> 0) + (v14l >>> 0) + ((m << 1) >>> 0);
  v10h = (v10h + v14h + ((mh << 1) | (m >>> 31)) + ((t / TWO_32) | 0)) | 0;
  v10l = t | 0;
  x = v6l ^ v10l;
  y = v6h ^ v10h;
  v6l = (x << 1) | (y >>> 31);
  v6h = (y << 1) | (x >>> 31);
  // GB(v3, v7, v11, v15)
  m = Math.imul(v3l, v7l);
  mh = (((v3l >>> 0) * (v7l >>> 0) - (m >>> 0)) / TWO_32 + 0.5) | 0;
  t = (v3l >>> 0) + (v7l >>> 0) + ((m << 1) >>> 0);
  v3h = (v3h + v7h + ((mh << 1) | (m >>> 31)) + ((t / TWO_32) | 0)) | 0;
  v3l = t | 0;
  x = v15l ^ v3l;
  v15l = v15h ^ v3h;
  v15h = x;
  m = Math.imul(v11l, v15l);
  mh = (((v11l >>> 0) * (v15l >>> 0) - (m >>> 0)) / TWO_32 + 0.5) | 0;
  t = (v11l >>> 0) + (v15l >>> 0) + ((m << 1) >>> 0);
  v11h = (v11h + v15h + ((mh << 1) | (m >>> 31)) + ((t / TWO_32) | 0)) | 0;
  v11l = t | 0;
  x = v7l ^ v11l;
  y = v7h ^ v11h;
  v7l = (x >>> 24) | (y << 8);
  v7h = (y >>> 24) | (x << 8);
  m = Math.imul(v3l, v7l);
  mh = (((v3l >>> 0) * (v7l >>> 0) - (m >>> 0)) / TWO_32 + 0.5) | 0;
  t = (v3l >>> 0) + (v7l >>> 0) + ((m << 1) >>> 0);
  v3h = (v3h + v7h + ((mh << 1) | (m >>> 31)) + ((t / TWO_32) | 0)) | 0;
  v3l = t | 0;
  x = v15l ^ v3l;
  y = v15h ^ v3h;
  v15l = (x >>> 16) | (y << 16);
  v15h = (y >>> 16) | (x << 16);
  m = Math.imul(v11l, v15l);
  mh = (((v11l >>> 0) * (v15l >>> 0) - (m >>> 0)) / TWO_32 + 0.5) | 0;
  t = (v11l >>> 0) + (v15l >>> 0) + ((m << 1) >>> 0);
  v11h = (v11h + v15h + ((mh << 1) | (m >>> 31)) + ((t / TWO_32) | 0)) | 0;
  v11l = t | 0;
  x = v7l ^ v11l;
  y = v7h ^ v11h;
  v7l = (x << 1) | (y >>> 31);
  v7h = (y << 1) | (x >>> 31);
  // GB(v0, v5, v10, v15)
  m = Math.imul(v0l, v5l);
  mh = (((v0l >>> 0) * (v5l >>> 0) - (m >>> 0)) / TWO_32 + 0.5) | 0;
  t = (v0l >>> 0) + (v5l >>> 0) + ((m << 1) >>> 0);
  v0h = (v0h + v5h + ((mh << 1) | (m >>> 31)) + ((t / TWO_32) | 0)) | 0;
  v0l = t | 0;
  x = v15l ^ v0l;
  v15l = v15h ^ v0h;
  v15h = x;
  m = Math.imul(v10l, v15l);
  mh = (((v10l >>> 0) * (v15l >>> 0) - (m >>> 0)) / TWO_32 + 0.5) | 0;
  t = (v10l >>> 0) + (v15l >>> 0) + ((m << 1) >>> 0);
  v10h = (v10h + v15h + ((mh << 1) | (m >>> 31)) + ((t / TWO_32) | 0)) | 0;
  v10l = t | 0;
  x = v5l ^ v10l;
  y = v5h ^ v10h;
  v5l = (x >>> 24) | (y << 8);
  v5h = (y >>> 24) | (x << 8);
  m = Math.imul(v0l, v5l);
  mh = (((v0l >>> 0) * (v5l >>> 0) - (m >>> 0)) / TWO_32 + 0.5) | 0;
  t = (v0l >>> 0) + (v5l >>> 0) + ((m << 1) >>> 0);
  v0h = (v0h + v5h + ((mh << 1) | (m >>> 31)) + ((t / TWO_32) | 0)) | 0;
  v0l = t | 0;
  x = v15l ^ v0l;
  y = v15h ^ v0h;
  v15l = (x >>> 16) | (y << 16);
  v15h = (y >>> 16) | (x << 16);
  m = Math.imul(v10l, v15l);
  mh = (((v10l >>> 0) * (v15l >>> 0) - (m >>> 0)) / TWO_32 + 0.5) | 0;
  t = (v10l >>> 0) + (v15l >>> 0) + ((m << 1) >>> 0);
  v10h = (v10h + v15h + ((mh << 1) | (m >>> 31)) + ((t / TWO_32) | 0)) | 0;
  v10l = t | 0;
  x = v5l ^ v10l;
  y = v5h ^ v10h;
  v5l = (x << 1) | (y >>> 31);
  v5h = (y << 1) | (x >>> 31);
  // GB(v1, v6, v11, v12)
  m = Math.imul(v1l, v6l);
  mh = (((v1l >>> 0) * (v6l >>> 0) - (m >>> 0)) / TWO_32 + 0.5) | 0;
  t = (v1l >>> 0) + (v6l >>> 0) + ((m << 1) >>> 0);
  v1h = (v1h + v6h + ((mh << 1) | (m >>> 31)) + ((t / TWO_32) | 0)) | 0;
  v1l = t | 0;
  x = v12l ^ v1l;
  v12l = v12h ^ v1h;
  v12h = x;
  m = Math.imul(v11l, v12l);
  mh = (((v11l >>> 0) * (v12l >>> 0) - (m >>> 0)) / TWO_32 + 0.5) | 0;
  t = (v11l >>> 0) + (v12l >>> 0) + ((m << 1) >>> 0);
  v11h = (v11h + v12h + ((mh << 1) | (m >>> 31)) + ((t / TWO_32) | 0)) | 0;
  v11l = t | 0;
  x = v6l ^ v11l;
  y = v6h ^ v11h;
  v6l = (x >>> 24) | (y << 8);
  v6h = (y >>> 24) | (x << 8);
  m = Math.imul(v1l, v6l);
  mh = (((v1l >>> 0) * (v6l >>> 0) - (m >>> 0)) / TWO_32 + 0.5) | 0;
  t = (v1l >>> 0) + (v6l >>> 0) + ((m << 1) >>> 0);
  v1h = (v1h + v6h + ((mh << 1) | (m >>> 31)) + ((t / TWO_32) | 0)) | 0;
  v1l = t | 0;
  x = v12l ^ v1l;
  y = v12h ^ v1h;
  v12l = (x >>> 16) | (y << 16);
  v12h = (y >>> 16) | (x << 16);
  m = Math.imul(v11l, v12l);
  mh = (((v11l >>> 0) * (v12l >>> 0) - (m >>> 0)) / TWO_32 + 0.5) | 0;
  t = (v11l >>> 0) + (v12l >>> 0) + ((m << 1) >>> 0);
  v11h = (v11h + v12h + ((mh << 1) | (m >>> 31)) + ((t / TWO_32) | 0)) | 0;
  v11l = t | 0;
  x = v6l ^ v11l;
  y = v6h ^ v11h;
  v6l = (x << 1) | (y >>> 31);
  v6h = (y << 1) | (x >>> 31);
  // GB(v2, v7, v8, v13)
  m = Math.imul(v2l, v7l);
  mh = (((v2l >>> 0) * (v7l >>> 0) - (m >>> 0)) / TWO_32 + 0.5) | 0;
  t = (v2l >>> 0) + (v7l >>> 0) + ((m << 1) >>> 0);
  v2h = (v2h + v7h + ((mh << 1) | (m >>> 31)) + ((t / TWO_32) | 0)) | 0;
  v2l = t | 0;
  x = v13l ^ v2l;
  v13l = v13h ^ v2h;
  v13h = x;
  m = Math.imul(v8l, v13l);
  mh = (((v8l >>> 0) * (v13l >>> 0) - (m >>> 0)) / TWO_32 + 0.5) | 0;
  t = (v8l >>> 0) + (v13l >>> 0) + ((m << 1) >>> 0);
  v8h = (v8h + v13h + ((mh << 1) | (m >>> 31)) + ((t / TWO_32) | 0)) | 0;
  v8l = t | 0;
  x = v7l ^ v8l;
  y = v7h ^ v8h;
  v7l = (x >>> 24) | (y << 8);
  v7h = (y >>> 24) | (x << 8);
  m = Math.imul(v2l, v7l);
  mh = (((v2l >>> 0) * (v7l >>> 0) - (m >>> 0)) / TWO_32 + 0.5) | 0;
  t = (v2l >>> 0) + (v7l >>> 0) + ((m << 1) >>> 0);
  v2h = (v2h + v7h + ((mh << 1) | (m >>> 31)) + ((t / TWO_32) | 0)) | 0;
  v2l = t | 0;
  x = v13l ^ v2l;
  y = v13h ^ v2h;
  v13l = (x >>> 16) | (y << 16);
  v13h = (y >>> 16) | (x << 16);
  m = Math.imul(v8l, v13l);
  mh = (((v8l >>> 0) * (v13l >>> 0) - (m >>> 0)) / TWO_32 + 0.5) | 0;
  t = (v8l >>> 0) + (v13l >>> 0) + ((m << 1) >>> 0);
  v8h = (v8h + v13h + ((mh << 1) | (m >>> 31)) + ((t / TWO_32) | 0)) | 0;
  v8l = t | 0;
  x = v7l ^ v8l;
  y = v7h ^ v8h;
  v7l = (x << 1) | (y >>> 31);
  v7h = (y << 1) | (x >>> 31);
  // GB(v3, v4, v9, v14)
  m = Math.imul(v3l, v4l);
  mh = (((v3l >>> 0) * (v4l >>> 0) - (m >>> 0)) / TWO_32 + 0.5) | 0;
  t = (v3l >>> 0) + (v4l >>> 0) + ((m << 1) >>> 0);
  v3h = (v3h + v4h + ((mh << 1) | (m >>> 31)) + ((t / TWO_32) | 0)) | 0;
  v3l = t | 0;
  x = v14l ^ v3l;
  v14l = v14h ^ v3h;
  v14h = x;
  m = Math.imul(v9l, v14l);
  mh = (((v9l >>> 0) * (v14l >>> 0) - (m >>> 0)) / TWO_32 + 0.5) | 0;
  t = (v9l >>> 0) + (v14l >>> 0) + ((m << 1) >>> 0);
  v9h = (v9h + v14h + ((mh << 1) | (m >>> 31)) + ((t / TWO_32) | 0)) | 0;
  v9l = t | 0;
  x = v4l ^ v9l;
  y = v4h ^ v9h;
  v4l = (x >>> 24) | (y << 8);
  v4h = (y >>> 24) | (x << 8);
  m = Math.imul(v3l, v4l);
  mh = (((v3l >>> 0) * (v4l >>> 0) - (m >>> 0)) / TWO_32 + 0.5) | 0;
  t = (v3l >>> 0) + (v4l >>> 0) + ((m << 1) >>> 0);
  v3h = (v3h + v4h + ((mh << 1) | (m >>> 31)) + ((t / TWO_32) | 0)) | 0;
  v3l = t | 0;
  x = v14l ^ v3l;
  y = v14h ^ v3h;
  v14l = (x >>> 16) | (y << 16);
  v14h = (y >>> 16) | (x << 16);
  m = Math.imul(v9l, v14l);
  mh = (((v9l >>> 0) * (v14l >>> 0) - (m >>> 0)) / TWO_32 + 0.5) | 0;
  t = (v9l >>> 0) + (v14l >>> 0) + ((m << 1) >>> 0);
  v9h = (v9h + v14h + ((mh << 1) | (m >>> 31)) + ((t / TWO_32) | 0)) | 0;
  v9l = t | 0;
  x = v4l ^ v9l;
  y = v4h ^ v9h;
  v4l = (x << 1) | (y >>> 31);
  v4h = (y << 1) | (x >>> 31);
  w[o0] = v0l;
  w[o0 + 1] = v0h;
  w[o1] = v1l;
  w[o1 + 1] = v1h;
  w[o2] = v2l;
  w[o2 + 1] = v2h;
  w[o3] = v3l;
  w[o3 + 1] = v3h;
  w[o4] = v4l;
  w[o4 + 1] = v4h;
  w[o5] = v5l;
  w[o5 + 1] = v5h;
  w[o6] = v6l;
  w[o6 + 1] = v6h;
  w[o7] = v7l;
  w[o7 + 1] = v7h;
  w[o8] = v8l;
  w[o8 + 1] = v8h;
  w[o9] = v9l;
  w[o9 + 1] = v9h;
  w[o10] = v10l;
  w[o10 + 1] = v10h;
  w[o11] = v11l;
  w[o11 + 1] = v11h;
  w[o12] = v12l;
  w[o12 + 1] = v12h;
  w[o13] = v13l;
  w[o13 + 1] = v13h;
  w[o14] = v14l;
  w[o14 + 1] = v14h;
  w[o15] = v15l;
  w[o15 + 1] = v15h;
}

/**
 * P on the eight rows, then the eight columns, of `work` seen as an 8 × 8 matrix of 16-byte
 * registers (RFC 9106 §3.5). Row r is the 16 consecutive 64-bit words from 16r (32-bit offset
 * k = 32r); column c is register c of every row, the 64-bit words 2c, 2c + 1, 2c + 16,
 * 2c + 17, ..., 2c + 113 (32-bit offsets from o = 4c, in steps of 2 and 32).
 */
function permute(): void {
  for (let k = 0; k < BLOCK_WORDS; k += 32) {
    // prettier-ignore
    roundP(k, k + 2, k + 4, k + 6, k + 8, k + 10, k + 12, k + 14,
      k + 16, k + 18, k + 20, k + 22, k + 24, k + 26, k + 28, k + 30);
  }
  for (let o = 0; o < 32; o += 4) {
    // prettier-ignore
    roundP(o, o + 2, o + 32, o + 34, o + 64, o + 66, o + 96, o + 98,
      o + 128, o + 130, o + 160, o + 162, o + 192, o + 194, o + 224, o + 226);
  }
}

/**
 * The compression function G (RFC 9106 §3.5) into memory: block `dst` becomes
 * P(R) ⊕ R with R = block `x` ⊕ block `y`, XORed with its old value when `keep` is set
 * (passes after the first, version 0x13, §3.2 step 6). Offsets are word indices.
 */
function compress(mem: Int32Array, x: number, y: number, dst: number, keep: boolean): void {
  if (keep) {
    for (let i = 0; i < BLOCK_WORDS; i++) {
      const r = mem[x + i] ^ mem[y + i];
      work[i] = r;
      mem[dst + i] ^= r;
    }
  } else {
    for (let i = 0; i < BLOCK_WORDS; i++) {
      const r = mem[x + i] ^ mem[y + i];
      work[i] = r;
      mem[dst + i] = r;
    }
  }
  permute();
  for (let i = 0; i < BLOCK_WORDS; i++) mem[dst + i] ^= work[i];
}

/** In-place G(0, block) on a standalone block: P(R) ⊕ R with R the block itself. */
function compressZero(block: Int32Array): void {
  work.set(block);
  permute();
  for (let i = 0; i < BLOCK_WORDS; i++) block[i] ^= work[i];
}

function le32(out: Uint8Array, off: number, v: number): void {
  out[off] = v;
  out[off + 1] = v >>> 8;
  out[off + 2] = v >>> 16;
  out[off + 3] = v >>> 24;
}

/**
 * H' of RFC 9106 §3.3: BLAKE2b of LE32(T) ‖ X when T ≤ 64; otherwise a chain of 64-byte
 * BLAKE2b outputs V1, V2, ... of which the first 32 bytes each are kept, ended by one output
 * of the remaining length.
 */
function hashLong(outLen: number, x: Uint8Array): Uint8Array {
  const prefix = new Uint8Array(4);
  le32(prefix, 0, outLen);
  if (outLen <= 64) return blake2b.create({ dkLen: outLen }).update(prefix).update(x).digest();
  const out = new Uint8Array(outLen);
  let v = blake2b.create({ dkLen: 64 }).update(prefix).update(x).digest();
  out.set(v.subarray(0, 32), 0);
  let pos = 32;
  while (outLen - pos > 64) {
    const next = blake2b(v, { dkLen: 64 });
    v.fill(0);
    v = next;
    out.set(v.subarray(0, 32), pos);
    pos += 32;
  }
  const end = blake2b(v, { dkLen: outLen - pos });
  out.set(end, pos);
  v.fill(0);
  end.fill(0);
  return out;
}

/** Little-endian bytes into a block's 32-bit words. */
function bytesToWords(src: Uint8Array, dst: Int32Array, dstOff: number): void {
  for (let i = 0; i < BLOCK_WORDS; i++) {
    const o = 4 * i;
    dst[dstOff + i] = src[o] | (src[o + 1] << 8) | (src[o + 2] << 16) | (src[o + 3] << 24);
  }
}

/**
 * H0 of RFC 9106 §3.2 step 1: BLAKE2b-512 over the parameters, each length-prefixed input,
 * and the (here always empty) secret K and associated data X.
 */
function initialHash(y: number, password: Uint8Array, salt: Uint8Array, params: Argon2Params): Uint8Array {
  const head = new Uint8Array(28);
  le32(head, 0, params.p);
  le32(head, 4, params.dkLen);
  le32(head, 8, params.m);
  le32(head, 12, params.t);
  le32(head, 16, VERSION);
  le32(head, 20, y);
  le32(head, 24, password.length);
  const saltLen = new Uint8Array(4);
  le32(saltLen, 0, salt.length);
  // LE32(0) twice: no secret value K, no associated data X.
  const emptyTail = new Uint8Array(8);
  return blake2b
    .create({ dkLen: 64 })
    .update(head)
    .update(password)
    .update(saltLen)
    .update(salt)
    .update(emptyTail)
    .digest();
}

/** Fixed values of one Argon2 run, shared by every segment. */
interface Instance {
  mem: Int32Array;
  y: number;
  passes: number;
  lanes: number;
  /** m', the block count: m rounded down to a multiple of 4p (§3.2 step 2). */
  blocks: number;
  laneLength: number;
  segmentLength: number;
  /** Address generation (§3.4.1.2): the input block Z, and the block of 128 addresses. */
  input: Int32Array;
  addresses: Int32Array;
}

/** Fills `inst.addresses` from the next counter value in `inst.input`: G(0, G(0, Z)). */
function nextAddresses(inst: Instance): void {
  inst.input[12]++;
  inst.addresses.set(inst.input);
  compressZero(inst.addresses);
  compressZero(inst.addresses);
}

/**
 * Index of the reference block within lane l (RFC 9106 §3.4.2): from J1 it picks, with a
 * quadratic bias towards recent blocks, one of the |W| blocks allowed at this position.
 */
function referenceIndex(
  inst: Instance,
  pass: number,
  slice: number,
  index: number,
  j1: number,
  sameLane: boolean,
): number {
  let area: number;
  if (pass === 0) {
    // First pass: only slices before this one are finished in other lanes; in this lane also
    // the blocks of this segment so far. The previous block is always excluded (it is used as X).
    if (slice === 0) area = index - 1;
    else if (sameLane) area = slice * inst.segmentLength + index - 1;
    else area = slice * inst.segmentLength + (index === 0 ? -1 : 0);
  } else if (sameLane) {
    area = inst.laneLength - inst.segmentLength + index - 1;
  } else {
    area = inst.laneLength - inst.segmentLength + (index === 0 ? -1 : 0);
  }
  // x = J1^2 / 2^32; y = |W| · x / 2^32; zz = |W| − 1 − y (§3.4.2).
  const x = mulHi(j1, j1);
  const rel = area - 1 - (mulHi(area, x) >>> 0);
  // Later passes start W right after the current slice, wrapping around the lane.
  const start = pass !== 0 && slice !== SYNC_POINTS - 1 ? (slice + 1) * inst.segmentLength : 0;
  return (start + rel) % inst.laneLength;
}

/** Computes one segment (RFC 9106 §3.2 steps 5–6, §3.4) of `lane` in `slice` of `pass`. */
function fillSegment(inst: Instance, pass: number, lane: number, slice: number): void {
  const mem = inst.mem;
  const independent = inst.y === ARGON2I || (inst.y === ARGON2ID && pass === 0 && slice < SYNC_POINTS / 2);
  if (independent) {
    const z = inst.input;
    z.fill(0);
    z[0] = pass;
    z[2] = lane;
    z[4] = slice;
    z[6] = inst.blocks;
    z[8] = inst.passes;
    z[10] = inst.y;
  }
  // The first two blocks of each lane come from H0 (§3.2 steps 3–4).
  let start = 0;
  if (pass === 0 && slice === 0) {
    start = 2;
    if (independent) nextAddresses(inst);
  }
  const laneBase = lane * inst.laneLength;
  let cur = slice * inst.segmentLength + start;
  let prev = cur === 0 ? inst.laneLength - 1 : cur - 1;
  for (let i = start; i < inst.segmentLength; i++, cur++) {
    let j1: number;
    let j2: number;
    if (independent) {
      const k = i % ADDRESSES_PER_BLOCK;
      if (k === 0) nextAddresses(inst);
      j1 = inst.addresses[2 * k];
      j2 = inst.addresses[2 * k + 1];
    } else {
      // Argon2d: J1 and J2 are the first 64-bit word of the previous block (§3.4.1.1).
      const p = (laneBase + prev) * BLOCK_WORDS;
      j1 = mem[p];
      j2 = mem[p + 1];
    }
    // The reference lane is J2 mod p, except in the first slice of the first pass.
    const refLane = pass === 0 && slice === 0 ? lane : (j2 >>> 0) % inst.lanes;
    const refIndex = referenceIndex(inst, pass, slice, i, j1, refLane === lane);
    compress(
      mem,
      (laneBase + prev) * BLOCK_WORDS,
      (refLane * inst.laneLength + refIndex) * BLOCK_WORDS,
      (laneBase + cur) * BLOCK_WORDS,
      pass !== 0,
    );
    prev = cur;
  }
}

/** Fills memory and returns the tag (RFC 9106 §3.2). */
function run(inst: Instance, password: Uint8Array, salt: Uint8Array, params: Argon2Params): Uint8Array {
  const mem = inst.mem;
  const h0 = initialHash(inst.y, password, salt, params);
  // B[i][0] = H'(1024, H0 ‖ LE32(0) ‖ LE32(i)), B[i][1] likewise with LE32(1) (§3.2 steps 3–4).
  const seed = new Uint8Array(72);
  seed.set(h0, 0);
  for (let lane = 0; lane < inst.lanes; lane++) {
    for (let j = 0; j < 2; j++) {
      le32(seed, 64, j);
      le32(seed, 68, lane);
      const block = hashLong(1024, seed);
      bytesToWords(block, mem, (lane * inst.laneLength + j) * BLOCK_WORDS);
      block.fill(0);
    }
  }
  h0.fill(0);
  seed.fill(0);
  // Lanes of one slice depend only on earlier slices, so running them in turn gives the
  // result of running them in parallel.
  for (let pass = 0; pass < inst.passes; pass++) {
    for (let slice = 0; slice < SYNC_POINTS; slice++) {
      for (let lane = 0; lane < inst.lanes; lane++) fillSegment(inst, pass, lane, slice);
    }
  }
  // C = XOR of the last block of every lane; tag = H'(T, C) (§3.2 steps 7–8).
  const last = new Uint8Array(1024);
  for (let i = 0; i < BLOCK_WORDS; i++) {
    let w = 0;
    for (let lane = 0; lane < inst.lanes; lane++) w ^= mem[((lane + 1) * inst.laneLength - 1) * BLOCK_WORDS + i];
    le32(last, 4 * i, w);
  }
  const tag = hashLong(params.dkLen, last);
  last.fill(0);
  return tag;
}

/** Argon2 with type number `y` (0 d, 1 i, 2 id), version 0x13; parameters already checked. */
export function argon2Hash(y: number, password: Uint8Array, salt: Uint8Array, params: Argon2Params): Uint8Array {
  const lanes = params.p;
  const segmentLength = Math.floor(params.m / (SYNC_POINTS * lanes));
  const laneLength = segmentLength * SYNC_POINTS;
  const blocks = laneLength * lanes;
  let mem: Int32Array;
  try {
    mem = new Int32Array(blocks * BLOCK_WORDS);
  } catch (e) {
    throw e4Error(E4ErrorCode.OutOfMemory, 'Argon2: cannot allocate ' + params.m + ' KiB');
  }
  const inst: Instance = {
    mem: mem,
    y: y,
    passes: params.t,
    lanes: lanes,
    blocks: blocks,
    laneLength: laneLength,
    segmentLength: segmentLength,
    input: new Int32Array(BLOCK_WORDS),
    addresses: new Int32Array(BLOCK_WORDS),
  };
  try {
    return run(inst, password, salt, params);
  } finally {
    // The memory holds password-derived blocks.
    mem.fill(0);
    work.fill(0);
    inst.addresses.fill(0);
  }
}

/** Argon2i or Argon2id (RFC 9106), version 0x13. */
export function argon2(type: Argon2Type, password: Uint8Array, salt: Uint8Array, params: Argon2Params): Uint8Array {
  return argon2Hash(type === 'argon2i' ? ARGON2I : ARGON2ID, password, salt, params);
}

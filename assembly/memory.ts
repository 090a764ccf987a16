/**
 * The memory contract of the core module: every address it uses is defined here and nowhere else.
 *
 * The module never allocates (no `new`, no managed objects): all state lives in static segments
 * and in the I/O window. Linear memory, lowest address first:
 *
 *   region            bytes                     holds
 *   ----------------  ------------------------  ----------------------------------------------
 *   KEY_CACHE         KEY_CACHE_SLOTS × 4480    per-SIV-key material, slot map below
 *   BLOCK_SCRATCH     288                       CMAC state, S2V accumulator, keystream blocks,
 *                                               tail blocks, CTR counter, AES pinned columns,
 *                                               counter caches: secret, wiped by every
 *                                               operation that used it
 *   SCHEDULE_SCRATCH  2192                      AES schedule + CMAC subkeys of the single-
 *                                               primitive exports (aesEncryptBlock, aesCtr,
 *                                               cmac), wiped after each
 *   KECCAK_SCRATCH    336                       sponge state (200) + padded last block (136)
 *   KEY_SLOT          64                        key input, zeroed by every operation reading it
 *   AD_LENS           MAX_ADS × 4               u32 little-endian associated-data lengths
 *   IV_SLOT           16                        CTR IV, dbl operand, CMAC tag output
 *   BATCH_KEY_SLOTS   MAX_BATCH_KEYS × 4        sivOpenBatch: the key-cache slot last found for
 *                                               each key of the batch's key table (addresses,
 *                                               not secret; re-checked before each use)
 *   CT_SCRATCH        7168                      the constant-time core's lanes, below: secret,
 *                                               wiped by every operation that used it (a
 *                                               one-message operation uses its first 384)
 *   static tables     8192 + 192 + 128 + 64     AES spread T-tables (aes.ts), Keccak round
 *                                               constants (keccak.ts), the S-box constant's
 *                                               planes (aes-ct.ts), the byte permutations of
 *                                               ShiftRows and MixColumns (aes-shuffles.ts),
 *                                               placed by the compiler on first use
 *   ---------------- __heap_base
 *   I/O window        [ioStart(), memory end)   inputs and outputs of every operation; starts
 *                                               at __heap_base rounded up to 64 bytes
 *
 * Every region below __heap_base is a static segment, so instantiation itself makes memory large
 * enough for them and no access to them can trap. Only the window grows, through `reserveIo`,
 * and never past MAX_IO_BYTES (64 MiB): the largest message the module accepts, and a bound that
 * keeps every `pointer + length` sum far below 2^32.
 *
 * Batch open (`sivOpenBatch(count, keyCount)`), E4's shape: SIV key = topic key ‖ topic key
 * (64 bytes), exactly one associated-data string, the message's own 8-byte timestamp. The window
 * holds, from ioStart():
 *
 *   +0                    count × 16     item descriptors, four u32 little-endian each:
 *                                          +0  index of the item's key in the key table
 *                                          +4  offset from ioStart() of its message,
 *                                              timestamp (8) ‖ tag (16) ‖ ciphertext
 *                                          +8  length of that message, ≥ 24
 *                                          +12 status out (a Status; written by the module)
 *   +count × 16           keyCount × 64  key table: each distinct SIV key once
 *   +count×16+keyCount×64 …              the messages, contiguous, at the offsets above
 *
 * Each item is opened in place: its plaintext is at offset + 24, length − 24 bytes; a failed
 * item's plaintext region is zeroed (NotAuthentic) or left untouched (a descriptor refused with
 * InvalidArgument or InputTooLarge: key index out of range, message overlapping the tables or
 * shorter than 24 bytes, or past the window). The module zeroes the key table before returning.
 *
 * Key-cache slot (KEY_CACHE_SLOT_BYTES = 4480, 64-byte aligned), for the AES core in use
 * (aes-core.ts; choosing the other core wipes the cache):
 *
 *   +0     64  raw SIV key bytes (the lookup key)
 *   +64     4  SIV key length in bytes; 0 marks a free slot
 *   +68     4  AES rounds of each half (10, 12, 14)
 *   +72     4  1 when both halves of the SIV key are equal (E4's key ‖ key), else 0
 *   +76     4  unused (aligns the schedules)
 *   +80  2160  CMAC key schedule (first half of the SIV key, RFC 5297 §2.6): 32 · Nr bytes in
 *              the layout of aes.ts, or 144 · (Nr + 1) in that of aes-ct.ts
 *   +2240 2160 CTR key schedule (second half), the same way
 *   +4400  16  CMAC subkey K1 (RFC 4493 §2.3)
 *   +4416  16  CMAC subkey K2, contiguous with K1
 *   +4432  16  CMAC of the zero block, S2V's initial D (RFC 5297 §2.4)
 *   +4448  16  dbl of that, D after the first doubling
 *
 * CT_SCRATCH, the constant-time core's working memory (lanes.ts), secret, wiped after each use;
 * sixteen lanes, two sets of the eight of aes-ct.ts:
 *
 *   +0     256   LANE_BLOCKS: the sixteen blocks of one call of aes-ct.ts
 *   +256   2048  LANE_STATES: per lane, 128 bytes: +0 CMAC chaining value X, +16 S2V's D,
 *                +32 K1 ‖ K2, +64 up to two last CMAC input blocks, +96 dbl(CMAC(K, 0))
 *   +2304  1024  LANE_CONTROL: per lane, 64 bytes of u32 fields (lanes.ts), public
 *   +3328  3840  MIXED_SCHEDULE: two sets of bitsliced round keys (1920 bytes each, AES-256),
 *                whose lane k is the key of the work of lane k of the set
 *
 * A one-message operation (lanes.ts, siv.ts) uses LANE_BLOCKS and lane 0's state only, the
 * first 384 bytes, and wipes those; a batch wipes it all.
 */

import { CT_ROUND_KEY_BYTES, CT_SCHEDULE_BYTES } from "./aes-ct";
import { Status } from "./status";

/** The I/O window may not grow beyond this many bytes. */
export const MAX_IO_BYTES: u32 = 64 << 20;

/** RFC 5297 §2.4: S2V takes at most 127 strings, the plaintext being the last. */
export const MAX_ADS: u32 = 126;

export const KEY_CACHE_SLOTS: u32 = 32;

/** sivOpenBatch: the most distinct keys one call takes, and the table sizes of memory.ts's header. */
export const MAX_BATCH_KEYS: u32 = 256;
export const BATCH_ITEM_BYTES: usize = 16;
export const BATCH_KEY_BYTES: usize = 64;
/** E4's timestamp, the one associated-data string of a batch item, and its SIV tag. */
export const BATCH_AD_LEN: u32 = 8;
export const BATCH_HEADER_LEN: u32 = BATCH_AD_LEN + 16;
export const KEY_CACHE_SLOT_BYTES: usize = 4480;

export const SLOT_KEY: usize = 0;
export const SLOT_KEY_LEN: usize = 64;
export const SLOT_ROUNDS: usize = 68;
export const SLOT_SAME_HALVES: usize = 72;
export const SLOT_CMAC_SCHEDULE: usize = 80;
export const SLOT_CTR_SCHEDULE: usize = 2240;
export const SLOT_SUBKEYS: usize = 4400;
export const SLOT_CMAC_ZERO: usize = 4432;
export const SLOT_CMAC_ZERO_DOUBLED: usize = 4448;

/**
 * The largest schedule of either core: AES-256's in aes-ct.ts (15 · 144 = 2160 bytes); the
 * table core's takes 448 of them.
 */
export const SCHEDULE_BYTES: usize = CT_SCHEDULE_BYTES;
export const KEY_SLOT_BYTES: usize = 64;
export const BLOCK_SCRATCH_BYTES: usize = 288;
/** One AES counter cache (aes.ts, Counter caching). */
export const COUNTER_CACHE_BYTES: usize = 48;
export const SCHEDULE_SCRATCH_BYTES: usize = SCHEDULE_BYTES + 32;
export const KECCAK_STATE_BYTES: usize = 200;
export const SHA3_256_RATE: usize = 136;

export const KEY_CACHE = memory.data(<i32>(KEY_CACHE_SLOTS * <u32>KEY_CACHE_SLOT_BYTES), 64);
export const BLOCK_SCRATCH = memory.data(<i32>BLOCK_SCRATCH_BYTES, 64);
export const SCHEDULE_SCRATCH = memory.data(<i32>SCHEDULE_SCRATCH_BYTES, 64);
export const KECCAK_SCRATCH = memory.data(<i32>(KECCAK_STATE_BYTES + SHA3_256_RATE), 64);
export const KEY_SLOT = memory.data(<i32>KEY_SLOT_BYTES, 64);
export const AD_LENS = memory.data(<i32>(MAX_ADS * 4), 16);
export const IV_SLOT = memory.data(16, 16);
export const BATCH_KEY_SLOTS = memory.data(<i32>(MAX_BATCH_KEYS * 4), 16);
export const CT_SCRATCH_BYTES: usize = 7168;
export const CT_SCRATCH = memory.data(<i32>CT_SCRATCH_BYTES, 64);

/** CT_SCRATCH, split as the header says. */
export const LANE_BLOCKS: usize = CT_SCRATCH;
export const LANE_STATES: usize = CT_SCRATCH + 256;
export const LANE_STATE_BYTES: usize = 128;
export const LANE_CONTROL: usize = CT_SCRATCH + 2304;
export const LANE_CONTROL_BYTES: usize = 64;
export const MIXED_SCHEDULE: usize = CT_SCRATCH + 3328;
/** The bitsliced round keys of AES-256, the batch's keys: 15 of them. */
export const MIXED_SCHEDULE_SET_BYTES: usize = 15 * CT_ROUND_KEY_BYTES;
const CT_MESSAGE_SCRATCH_BYTES: usize = LANE_STATES + LANE_STATE_BYTES - CT_SCRATCH;

/** BLOCK_SCRATCH, split into blocks. */
export const CMAC_STATE: usize = BLOCK_SCRATCH;
export const S2V_ACCUMULATOR: usize = BLOCK_SCRATCH + 16;
export const KEYSTREAM_BLOCKS: usize = BLOCK_SCRATCH + 32;
export const TAIL_BLOCKS: usize = BLOCK_SCRATCH + 64;
export const SIV_COUNTER: usize = BLOCK_SCRATCH + 96;
/** Four u64 columns for each of two interleaved AES chains (aes.ts, Pinning). */
export const AES_PIN_A: usize = BLOCK_SCRATCH + 128;
export const AES_PIN_B: usize = BLOCK_SCRATCH + 160;
/** Two AES counter caches, one per interleaved counter chain. */
export const COUNTER_CACHES: usize = BLOCK_SCRATCH + 192;

/** SCHEDULE_SCRATCH: a schedule followed by the CMAC subkeys K1 ‖ K2 derived from it. */
export const SCRATCH_SCHEDULE: usize = SCHEDULE_SCRATCH;
export const SCRATCH_SUBKEYS: usize = SCHEDULE_SCRATCH + SCHEDULE_BYTES;

/** KECCAK_SCRATCH: the 25-lane state, then the padded last block. */
export const KECCAK_STATE: usize = KECCAK_SCRATCH;
export const KECCAK_LAST_BLOCK: usize = KECCAK_SCRATCH + KECCAK_STATE_BYTES;

/** First byte of the I/O window: __heap_base rounded up to 64 bytes. */
// @ts-ignore: decorator
@inline
export function ioStart(): usize {
  return (__heap_base + 63) & ~(<usize>63);
}

const PAGE_BYTES: u64 = 65536;

/** Bytes the window holds now, capped at MAX_IO_BYTES. */
export function ioCapacityBytes(): u32 {
  const end = <u64>memory.size() * PAGE_BYTES;
  const start = <u64>ioStart();
  if (end <= start) return 0;
  const available = end - start;
  return available < <u64>MAX_IO_BYTES ? <u32>available : MAX_IO_BYTES;
}

/**
 * Grows memory so the window holds `bytes`. The window also always keeps room for the 32-byte
 * SHA3-256 digest, which is written at its start whatever the input length.
 */
export function reserveIo(bytes: u32): Status {
  if (bytes > MAX_IO_BYTES) return Status.OutOfMemory;
  const wanted: u64 = bytes < 32 ? 32 : <u64>bytes;
  const neededPages = (<u64>ioStart() + wanted + PAGE_BYTES - 1) / PAGE_BYTES;
  const currentPages = <u64>memory.size();
  if (neededPages <= currentPages) return Status.Ok;
  if (memory.grow(<i32>(neededPages - currentPages)) < 0) return Status.OutOfMemory;
  return Status.Ok;
}

/** True when the window holds `bytes` (a u64 sum of lengths, so no overflow reaches here). */
// @ts-ignore: decorator
@inline
export function fitsWindow(bytes: u64): bool {
  return bytes <= <u64>ioCapacityBytes();
}

/** Zeroes the secret blocks of an AES-SIV or single-primitive operation. */
export function wipeBlockScratch(): void {
  memory.fill(BLOCK_SCRATCH, 0, BLOCK_SCRATCH_BYTES);
}

/** Zeroes the constant-time core's lanes. */
export function wipeCtScratch(): void {
  memory.fill(CT_SCRATCH, 0, CT_SCRATCH_BYTES);
}

/** Zeroes what a one-message operation uses of the constant-time core's lanes (see above). */
export function wipeCtMessageScratch(): void {
  memory.fill(CT_SCRATCH, 0, CT_MESSAGE_SCRATCH_BYTES);
}

/**
 * Byte-level helpers: the one place where endianness is decided.
 *
 * WebAssembly memory is little-endian, so native loads read little-endian words; the big-endian
 * views that CMAC doubling and the CTR counter need (RFC 5297 §2.3, SP 800-38A §B.1) are the
 * byte-swapped native loads.
 */

// @ts-ignore: decorator
@inline
export function loadBe64(ptr: usize): u64 {
  return bswap<u64>(load<u64>(ptr));
}

// @ts-ignore: decorator
@inline
export function storeBe64(ptr: usize, value: u64): void {
  store<u64>(ptr, bswap<u64>(value));
}

// @ts-ignore: decorator
@inline
export function loadBe32(ptr: usize): u32 {
  return bswap<u32>(load<u32>(ptr));
}

/**
 * The u32 that a native (little-endian) load reads from the 4 bytes of `value` written in
 * big-endian order: how a big-endian counter word becomes an AES column.
 */
// @ts-ignore: decorator
@inline
export function bigEndianBytes32(value: u32): u32 {
  return bswap<u32>(value);
}

/** 16 bytes at `dstPtr` ^= 16 bytes at `srcPtr`. */
// @ts-ignore: decorator
@inline
export function xor16(dstPtr: usize, srcPtr: usize): void {
  store<u64>(dstPtr, load<u64>(dstPtr) ^ load<u64>(srcPtr));
  store<u64>(dstPtr, load<u64>(dstPtr, 8) ^ load<u64>(srcPtr, 8), 8);
}

// @ts-ignore: decorator
@inline
export function copy16(dstPtr: usize, srcPtr: usize): void {
  store<u64>(dstPtr, load<u64>(srcPtr));
  store<u64>(dstPtr, load<u64>(srcPtr, 8), 8);
}

/**
 * Constant-time equality of two 16-byte blocks: every byte is read and the answer comes from
 * OR-folding the XOR of both words, so timing does not reveal where a forged tag differs.
 */
// @ts-ignore: decorator
@inline
export function equal16(aPtr: usize, bPtr: usize): bool {
  const diff = (load<u64>(aPtr) ^ load<u64>(bPtr)) | (load<u64>(aPtr, 8) ^ load<u64>(bPtr, 8));
  return <u32>((diff | (0 - diff)) >> 63) == 0;
}

/**
 * Constant-time equality of `len` bytes (a multiple of 8): the same OR-fold over every word, no
 * early exit.
 */
export function equalWords(aPtr: usize, bPtr: usize, len: usize): bool {
  let diff: u64 = 0;
  for (let offset: usize = 0; offset < len; offset += 8) {
    diff |= load<u64>(aPtr + offset) ^ load<u64>(bPtr + offset);
  }
  return <u32>((diff | (0 - diff)) >> 63) == 0;
}

/** Zeroes `len` bytes: how every secret leaves memory. */
// @ts-ignore: decorator
@inline
export function wipe(ptr: usize, len: usize): void {
  memory.fill(ptr, 0, len);
}

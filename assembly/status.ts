/**
 * The status every operation export of the three modules returns (0 = ok); src/backends/wasm.ts
 * maps each one to an E4Error code. One list, so the modules cannot number them differently.
 */
export enum Status {
  /** The operation completed. */
  Ok = 0,
  /** AES-SIV open: the tag does not match; the plaintext region has been zeroed. */
  NotAuthentic = 1,
  /** A key length the operation does not accept (SIV: 32/48/64; AES: 16/24/32). */
  InvalidKeyLength = 2,
  /** The lengths passed do not fit the I/O window as it is now (`ioCapacity()`). */
  InputTooLarge = 3,
  /** More associated-data strings than S2V takes (MAX_ADS). */
  TooManyAds = 4,
  /** `reserve` beyond MAX_IO_BYTES, or the host refused to grow memory. */
  OutOfMemory = 5,
  /** An argument no length check covers, such as a sealed input shorter than the tag. */
  InvalidArgument = 6,
  /** Ed25519 verify: the signature does not verify as Go verifies it, for whatever reason. */
  InvalidSignature = 7,
  /** X25519 gave the all-zero secret (a point of small order), or an Ed25519 key has no x. */
  InvalidPublicKey = 8,
}
